namespace Suite.Room.State;

/// <summary>A read-modify-write lost to concurrent writers on every allowed attempt; the call fails with ABORTED.</summary>
public sealed class ConcurrencyExhaustedException(string key, int attempts)
    : Exception($"state key '{key}' changed under {attempts} consecutive attempts; retry the call")
{
    public string Key { get; } = key;
}
