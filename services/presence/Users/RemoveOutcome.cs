using Suite.Presence.State;

namespace Suite.Presence.Users;

/// <param name="Slots">Index slots deleted with the connections.</param>
/// <param name="Connections">The removed connections; the user's version advanced by one for each.</param>
internal readonly record struct RemoveOutcome(int Removed, bool WentOffline, ulong Version, string EdgeId, IReadOnlyList<string> Slots, IReadOnlyList<ConnectionRecord> Connections);
