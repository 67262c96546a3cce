using System.Diagnostics.Metrics;

namespace Suite.Edge;

/// <summary>The edge's instruments; exported on /metrics through the service defaults.</summary>
public sealed class EdgeMetrics
{
    public const string MeterName = "Suite.Edge";

    public EdgeMetrics(IMeterFactory meterFactory, Connections.ConnectionRegistry registry, Delivery.RecentMessageIds recentIds)
    {
        var meter = meterFactory.Create(MeterName);
        Connections = meter.CreateUpDownCounter<long>("suite.edge.connections", "{connection}", "Open connections");
        // Counted when scraped rather than on every transition: a scrape every few seconds costs
        // less than an Interlocked pair on every frame that turns a connection Active again.
        meter.CreateObservableGauge("suite.edge.connections.by_state", () => CountByState(registry), "{connection}", "Open connections in each state of the connection state machine");
        ConnectionsOpened = meter.CreateCounter<long>("suite.edge.connections.opened", "{connection}", "Connections accepted");
        ConnectionsClosed = meter.CreateCounter<long>("suite.edge.connections.closed", "{connection}", "Connections closed, by close code");
        AdmissionsRejected = meter.CreateCounter<long>("suite.edge.admissions.rejected", "{connection}", "Upgrades refused by the admission rate, a full authentication backlog, drain, the origin allowlist or the per-address cap");
        FramesReceived = meter.CreateCounter<long>("suite.edge.frames.received", "{frame}", "Client frames, by type");
        FramesSent = meter.CreateCounter<long>("suite.edge.frames.sent", "{frame}", "Server frames written to sockets");
        FramesDropped = meter.CreateCounter<long>("suite.edge.frames.dropped", "{frame}", "Frames not sent, by reason (backpressure, coalesced, expired)");
        ProtocolErrors = meter.CreateCounter<long>("suite.edge.protocol.errors", "{frame}", "Error frames sent, by code");
        Deliveries = meter.CreateCounter<long>("suite.edge.deliveries", "{delivery}", "Deliveries received from Dapr, by outcome");
        DeliveryStreamConnects = meter.CreateCounter<long>("suite.edge.delivery.stream.connects", "{stream}", "Streaming subscriptions opened (first connect and every reconnect), by topic");
        DeliveryStreamEvents = meter.CreateCounter<long>("suite.edge.delivery.stream.events", "{event}", "Events received on streaming subscriptions, by topic and ack (success, drop)");
        // Read when scraped: the filter counts under the lock it already holds for each delivery.
        meter.CreateObservableCounter("suite.edge.delivery.duplicate_filter.evicted", () => recentIds.EvictedBeforeExpiry, "{id}", "Message ids the duplicate filter forgot before Delivery:DuplicateWindow passed, because it held Delivery:DuplicateWindowMaxIds (a redelivery of one would reach clients twice)");
        DeliveryFanout = meter.CreateHistogram<int>("suite.edge.delivery.fanout", "{connection}", "Local connections one delivery reached");
        DeliveryLatency = meter.CreateHistogram(
            "suite.edge.delivery.latency",
            "s",
            "From the message's timestamp at its publisher (room, notification, an edge's direct message) to its frame handed to the recipients' sockets on this edge, by priority",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        // Summed over the connections when scraped, as connections.by_state is: nothing per frame.
        meter.CreateObservableGauge("suite.edge.send_queue.depth", () => QueueTotal(registry, static q => q.QueuedCount), "{frame}", "Frames waiting in the connections' send queues");
        meter.CreateObservableGauge("suite.edge.send_queue.size", () => QueueTotal(registry, static q => q.QueuedBytes), "By", "Payload bytes waiting in the connections' send queues");
        meter.CreateObservableGauge("suite.edge.send_queue.congested", () => QueueTotal(registry, static q => q.IsCongested ? 1 : 0), "{connection}", "Connections whose send queue is above SendQueue:HighWatermarkBytes (droppable frames are dropped for them)");
        InboxFetches = meter.CreateCounter<long>("suite.edge.inbox.fetches", "{call}", "Inbox fetches from notification after auth:ok, by outcome (fetched, failed)");
        InboxItemsSent = meter.CreateCounter<long>("suite.edge.inbox.items.sent", "{frame}", "Pending acknowledged notifications sent right after auth:ok");
        GapFills = meter.CreateCounter<long>("suite.edge.gap_fills", "{fill}", "Holes in a room's live stream the edge read from history for its members, by outcome (filled, not_recovered)");
        Sends = new Connections.SendCounters(FramesSent, FramesDropped);
        DirectRecipients = meter.CreateCounter<long>("suite.edge.direct.recipients", "{lookup}", "Direct messages' recipients by where their edges came from: cache (presence watches the user for this edge) or presence (looked up)");
        LeaseReplayed = meter.CreateCounter<long>("suite.edge.lease.replayed", "{call}", "Calls replayed to presence and room after the edge registered a lease again, by kind (presence, room, channel) and outcome (ok, failed)");
    }

    public UpDownCounter<long> Connections { get; }

    public Histogram<double> DeliveryLatency { get; }

    // Seconds: a delivery takes a millisecond or two through an idle broker, seconds behind a backlog.
    internal static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static long QueueTotal(Connections.ConnectionRegistry registry, Func<Delivery.SendQueue, long> measure)
    {
        long total = 0;
        foreach (var connection in registry.All)
        {
            total += measure(connection.Queue);
        }

        return total;
    }

    private static IEnumerable<Measurement<int>> CountByState(Connections.ConnectionRegistry registry)
    {
        var counts = new int[Enum.GetValues<Connections.ConnectionState>().Length];
        foreach (var connection in registry.All)
        {
            counts[(int)connection.State]++;
        }

        for (var state = 0; state < counts.Length; state++)
        {
            yield return new Measurement<int>(counts[state], new KeyValuePair<string, object?>("state", ((Connections.ConnectionState)state).ToString().ToLowerInvariant()));
        }
    }

    public Counter<long> ConnectionsOpened { get; }

    public Counter<long> ConnectionsClosed { get; }

    public Counter<long> AdmissionsRejected { get; }

    public Counter<long> FramesReceived { get; }

    public Counter<long> FramesSent { get; }

    public Counter<long> FramesDropped { get; }

    /// <summary><see cref="FramesSent"/> and <see cref="FramesDropped"/> as each connection's sends report to them.</summary>
    public Connections.SendCounters Sends { get; }

    public Counter<long> ProtocolErrors { get; }

    public Counter<long> Deliveries { get; }

    public Counter<long> DeliveryStreamConnects { get; }

    public Counter<long> DeliveryStreamEvents { get; }

    public Histogram<int> DeliveryFanout { get; }

    public Counter<long> LeaseReplayed { get; }

    public Counter<long> DirectRecipients { get; }

    public Counter<long> GapFills { get; }

    public Counter<long> InboxFetches { get; }

    public Counter<long> InboxItemsSent { get; }
}
