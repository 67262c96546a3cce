using System.Diagnostics.Metrics;

namespace Suite.Room;

/// <summary>The room service's instruments; exported on /metrics through the service defaults.</summary>
public sealed class RoomMetrics
{
    public const string MeterName = "Suite.Room";

    public RoomMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        Joins = meter.CreateCounter<long>("suite.room.joins", "{connection}", "Connections added to rooms (repeats not counted)");
        Leaves = meter.CreateCounter<long>("suite.room.leaves", "{connection}", "Connections removed from rooms");
        Subscriptions = meter.CreateCounter<long>("suite.room.channel.subscriptions", "{connection}", "Channel subscribe and unsubscribe, by op");
        JoinsDenied = meter.CreateCounter<long>("suite.room.joins.denied", "{connection}", "Joins refused by a room rule, by claim");
        SubscribesDenied = meter.CreateCounter<long>("suite.room.channel.subscribes.denied", "{connection}", "Channel subscribes refused by a channel rule, by claim");
        Messages = meter.CreateCounter<long>("suite.room.messages", "{message}", "Room messages stored in history with a new seq");
        IdempotentRepeats = meter.CreateCounter<long>("suite.room.messages.repeated", "{message}", "PublishToRoom calls answered from an earlier call with the same key");
        Publishes = meter.CreateCounter<long>("suite.room.publishes", "{delivery}", "EdgeDeliveries published to edge topics, by kind");
        MessageEdges = meter.CreateHistogram<int>("suite.room.message.edges", "{edge}", "Edges one room or channel publication was sent to, by kind");
        HistoryReturned = meter.CreateHistogram<int>("suite.room.history.returned", "{message}", "Messages one GetHistory returned");
        HistoryTruncated = meter.CreateCounter<long>("suite.room.history.truncated", "{request}", "GetHistory calls that asked for more than is kept");
        ConcurrencyConflicts = meter.CreateCounter<long>("suite.room.state.conflicts", "{attempt}", "ETag mismatches retried, by record kind");
        OwnershipChanges = meter.CreateCounter<long>("suite.room.ownership.takeovers", "{room}", "Rooms this replica took over (first use, a dead owner, or a reload after a failed commit)");
        RoomsUnloaded = meter.CreateCounter<long>("suite.room.ownership.unloads", "{room}", "Rooms this replica stopped holding in memory, by reason (idle, failed_commit, lease)");
        IdempotencyLookups = meter.CreateCounter<long>("suite.room.idempotency.lookups", "{request}", "Idempotency keys looked up in the store because the room's owner loaded it within the window");
        MembershipCommits = meter.CreateCounter<long>("suite.room.membership.commits", "{transaction}", "Transactions that committed joins and leaves (several queued changes of a room go in one)");
        EdgesDropped = meter.CreateCounter<long>("suite.room.edges.dropped", "{edge}", "Edges removed from the indexes after presence reported them gone, by change");
    }

    public Counter<long> Joins { get; }

    public Counter<long> Leaves { get; }

    public Counter<long> Subscriptions { get; }

    public Counter<long> JoinsDenied { get; }

    public Counter<long> SubscribesDenied { get; }

    public Counter<long> Messages { get; }

    public Counter<long> IdempotentRepeats { get; }

    public Counter<long> Publishes { get; }

    public Histogram<int> MessageEdges { get; }

    public Histogram<int> HistoryReturned { get; }

    public Counter<long> HistoryTruncated { get; }

    public Counter<long> ConcurrencyConflicts { get; }

    public Counter<long> EdgesDropped { get; }

    public Counter<long> OwnershipChanges { get; }

    public Counter<long> RoomsUnloaded { get; }

    public Counter<long> IdempotencyLookups { get; }

    public Counter<long> MembershipCommits { get; }
}
