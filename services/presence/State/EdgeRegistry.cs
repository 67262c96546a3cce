using Suite.ServiceDefaults.Publishing;

namespace Suite.Presence.State;

/// <summary>
/// The value under <see cref="StateKeys.Edges"/>. One record so that every lease transition (register,
/// renew, expire, deregister) is one ETag-guarded write: of several replicas sweeping at once, only one
/// ends a lease and publishes its event.
/// </summary>
public sealed class EdgeRegistry
{
    public Dictionary<string, EdgeLeaseRecord> Edges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Ended leases whose connections are not all dropped yet; the sweeper finishes what a failed call left.</summary>
    public List<RetiredLease> Retired { get; set; } = [];

    /// <summary>
    /// presence.edges events of the transitions above not yet published, oldest first: written in the
    /// same ETag-guarded write as the transition, so no lease change is stored without its event (see
    /// Events/EdgeEventOutbox).
    /// </summary>
    public List<OutboxEvent> Outbox { get; set; } = [];

    /// <summary>Incremented by every write, so a replica keeps the newest of the copies it has seen.</summary>
    public long Revision { get; set; }

    public EdgeLeaseRecord? LiveLease(string edgeId, DateTimeOffset now) =>
        Edges.TryGetValue(edgeId, out var lease) && lease.IsLive(now) ? lease : null;

    /// <summary>Whether a connection recorded under <paramref name="leaseId"/> still counts.</summary>
    public bool IsLive(string edgeId, string leaseId, DateTimeOffset now) =>
        LiveLease(edgeId, now) is { } lease && lease.LeaseId == leaseId;
}
