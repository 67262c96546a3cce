namespace Suite.Presence.Users;

internal readonly record struct ConnectOutcome(bool Written, bool Added, bool CameOnline, ulong Version);
