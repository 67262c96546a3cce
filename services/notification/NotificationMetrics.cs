using System.Diagnostics.Metrics;

namespace Suite.Notification;

/// <summary>The notification service's instruments; exported on /metrics through the service defaults.</summary>
public sealed class NotificationMetrics
{
    public const string MeterName = "Suite.Notification";

    public NotificationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        EventsAccepted = meter.CreateCounter<long>("suite.notification.events.accepted", "{event}", "Events resolved and published, by source (topic, grpc)");
        EventsDuplicate = meter.CreateCounter<long>("suite.notification.events.duplicate", "{event}", "Events whose id was already accepted within the idempotency window");
        EventsDeadLettered = meter.CreateCounter<long>("suite.notification.events.dead_lettered", "{event}", "Topic events sent to notifications.deadletter, by reason");
        EventsRejected = meter.CreateCounter<long>("suite.notification.events.rejected", "{event}", "gRPC events refused as invalid, by reason");
        EventsGivenUp = meter.CreateCounter<long>("suite.notification.events.given_up", "{event}", "Topic events that failed on their last delivery attempt and were put in deadletter.notifications with their reason");
        EventsRetried = meter.CreateCounter<long>("suite.notification.events.retried", "{event}", "Events that failed on presence, room or the broker and were handed back for retry");
        DeliveriesPublished = meter.CreateCounter<long>("suite.notification.deliveries.published", "{delivery}", "Edge deliveries published, by priority");
        InboxItemsStored = meter.CreateCounter<long>("suite.notification.inbox.stored", "{item}", "Acknowledged notifications stored in a user's inbox (one per user)");
        InboxItemsDropped = meter.CreateCounter<long>("suite.notification.inbox.dropped", "{item}", "Inbox items dropped because the user's inbox was full (Notification:InboxMaxItems)");
        InboxItemsAcked = meter.CreateCounter<long>("suite.notification.inbox.acked", "{item}", "Inbox items removed by a device's ack");
        EdgesTargeted = meter.CreateHistogram<int>("suite.notification.edges.targeted", "{edge}", "Edges one event was delivered to");
    }

    public Counter<long> EventsAccepted { get; }

    public Counter<long> EventsDuplicate { get; }

    public Counter<long> EventsDeadLettered { get; }

    public Counter<long> EventsRejected { get; }

    public Counter<long> EventsRetried { get; }

    public Counter<long> EventsGivenUp { get; }

    public Counter<long> DeliveriesPublished { get; }

    public Counter<long> InboxItemsStored { get; }

    public Counter<long> InboxItemsDropped { get; }

    public Counter<long> InboxItemsAcked { get; }

    public Histogram<int> EdgesTargeted { get; }
}
