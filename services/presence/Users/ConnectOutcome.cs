namespace Suite.Presence.Users;

internal readonly record struct ConnectOutcome(bool Added, bool CameOnline, ulong Version);
