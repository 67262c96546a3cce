using Suite.Presence.State;

namespace Suite.Presence.Users;

/// <param name="Connection">The connection as recorded when it was added (Added), for its CONNECTED event.</param>
internal readonly record struct ConnectOutcome(bool Written, bool Added, bool CameOnline, ulong Version, ConnectionRecord? Connection = null);
