using Suite.Presence.State;

namespace Suite.Presence.Edges;

/// <summary>What one registry write did: the lease now held (if any), the lease it ended (if any), and whether it started a lease.</summary>
internal readonly record struct LeaseTransition(EdgeLeaseRecord? Lease, RetiredLease? Ended, bool Started);
