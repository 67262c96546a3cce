namespace Suite.Presence.Users;

internal readonly record struct RemoveOutcome(int Removed, bool WentOffline, ulong Version, string EdgeId);
