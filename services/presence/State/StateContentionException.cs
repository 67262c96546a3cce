namespace Suite.Presence.State;

/// <summary>A record kept changing under us for every allowed attempt; the call is safe to retry.</summary>
public sealed class StateContentionException(string key, int attempts)
    : Exception($"state key {key} changed concurrently {attempts} times in a row");
