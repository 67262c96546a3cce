namespace Suite.Presence.Users;

/// <param name="Slots">Index slots deleted with the connections.</param>
internal readonly record struct RemoveOutcome(int Removed, bool WentOffline, ulong Version, string EdgeId, IReadOnlyList<string> Slots);
