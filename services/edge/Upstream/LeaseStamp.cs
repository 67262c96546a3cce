namespace Suite.Edge.Upstream;

/// <summary>
/// The lease this edge holds with presence: its incarnation (one per process) and the generation
/// of the lease within it (1, then one more after every lapse). Room records it with every join and
/// subscription, so the end of a lapsed lease drops only what was joined under it.
/// </summary>
public readonly record struct LeaseStamp(string Incarnation, ulong Generation);
