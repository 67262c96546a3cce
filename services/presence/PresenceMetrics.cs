using System.Diagnostics.Metrics;

namespace Suite.Presence;

/// <summary>
/// Presence's instruments. Online users and connections are up/down counters of the transitions
/// this replica made, so their sum over all replicas is the suite-wide value without scanning state.
/// </summary>
public sealed class PresenceMetrics
{
    public const string MeterName = "Suite.Presence";

    public PresenceMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        OnlineUsers = meter.CreateUpDownCounter<long>("suite.presence.users.online", "{user}", "Users with at least one connection");
        Connections = meter.CreateUpDownCounter<long>("suite.presence.connections", "{connection}", "Recorded connections");
        LeasesExpired = meter.CreateCounter<long>("suite.presence.leases.expired", "{lease}", "Edge leases that ended without renewal");
        EdgeChanges = meter.CreateCounter<long>("suite.presence.edges.changes", "{change}", "Edge lease transitions, by change");
        UpdateConflicts = meter.CreateCounter<long>("suite.presence.state.conflicts", "{conflict}", "ETag mismatches retried, by record kind");
        Lookups = meter.CreateCounter<long>("suite.presence.lookups", "{lookup}", "LookupUsers calls, by source (memory or store)");
    }

    private readonly Meter _meter;

    /// <summary>The presence.edges outbox, read when scraped.</summary>
    public void ObserveEdgeEvents(ServiceDefaults.Publishing.OutboxRelay relay)
    {
        _meter.CreateObservableGauge("suite.presence.edge_events.waiting", () => relay.Waiting, "{event}", "presence.edges events stored and not yet published, as of the outbox's last read");
        _meter.CreateObservableCounter("suite.presence.edge_events.published", () => relay.Published, "{event}", "presence.edges events published from the outbox");
        _meter.CreateObservableCounter("suite.presence.edge_events.failures", () => relay.Failures, "{attempt}", "Failed outbox steps (publish, read or remove), each retried with backoff");
    }

    public UpDownCounter<long> OnlineUsers { get; }

    public UpDownCounter<long> Connections { get; }

    public Counter<long> LeasesExpired { get; }

    public Counter<long> EdgeChanges { get; }

    public Counter<long> UpdateConflicts { get; }

    public Counter<long> Lookups { get; }
}
