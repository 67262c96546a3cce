using Suite.Presence.State;

namespace Suite.Presence.Users;

/// <param name="Connection">The connection as recorded when it was added (Added), for its CONNECTED event.</param>
/// <param name="NewEdge">The user had no other connection on this edge under this lease: lookups now name one more edge.</param>
internal readonly record struct ConnectOutcome(bool Written, bool Added, bool CameOnline, ulong Version, ConnectionRecord? Connection = null, bool NewEdge = false);
