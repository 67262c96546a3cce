namespace Suite.Room.State;

/// <summary>
/// The edge lease a connection joined a room or subscribed to a channel under (room.proto,
/// <c>edge_incarnation</c> and <c>lease_generation</c>). The end of a lease drops what it covers:
/// connections of its incarnation joined under its generation or an earlier one, and connections
/// without a lease (from edges that stamp none); never what the edge joined again under a later
/// generation, however late the end of the earlier one arrives.
/// </summary>
internal sealed record LeaseTag(string Incarnation, ulong Generation)
{
    /// <summary>The lease of a request; null when the edge sent none (0 is not a generation).</summary>
    public static LeaseTag? From(string incarnation, ulong generation) =>
        incarnation.Length == 0 || generation == 0 ? null : new LeaseTag(incarnation, generation);

    /// <summary>
    /// Whether a repeat under <paramref name="candidate"/> replaces <paramref name="current"/>: a later
    /// generation of the same incarnation, or another incarnation (edges of one id take turns, and the
    /// one calling now is the live one).
    /// </summary>
    public static bool Supersedes(LeaseTag? candidate, LeaseTag? current) =>
        candidate is not null && (current is null || candidate.Incarnation != current.Incarnation || candidate.Generation > current.Generation);

    /// <summary>Whether the end of <paramref name="ended"/> (null: every lease of the edge) covers what was joined under <paramref name="lease"/>.</summary>
    public static bool Covers(LeaseTag? ended, LeaseTag? lease) =>
        ended is null || lease is null || (lease.Incarnation == ended.Incarnation && lease.Generation <= ended.Generation);
}
