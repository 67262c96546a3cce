namespace Suite.ServiceDefaults;

/// <summary>
/// Dapr component names and topics, in one place: they are contracts with the component YAML in
/// components/ and deploy/, and with every business team that publishes to the suite.
/// </summary>
public static class DaprNames
{
    public const string PubSub = "pubsub";
    public const string StateStore = "statestore";

    /// <summary>Business teams publish here through their own sidecar.</summary>
    public const string NotificationsTopic = "notifications";
    /// <summary>Invalid events on <see cref="NotificationsTopic"/>, each as a DeadLetter naming its reason (published by notification).</summary>
    public const string NotificationsDeadLetterTopic = "notifications.deadletter";

    /// <summary>
    /// The Dapr dead-letter topic of the <see cref="NotificationsTopic"/> subscription: events the
    /// notification app did not take within the sidecar's inbound retries (app down or unreachable,
    /// upstream trouble that outlasted the retries), forwarded by the sidecar as the original
    /// CloudEvent, so they can be published to <see cref="NotificationsTopic"/> again as they are. An
    /// event the app gave up on itself (its last attempt failed upstream) is put here by the app, the
    /// same CloudEvent plus the extension attribute <c>deadletterreason</c>.
    /// Under <c>deadletter.</c>, which the JetStream set-up keeps in a stream of its own.
    /// </summary>
    public const string NotificationsUndeliveredTopic = "deadletter.notifications";
    public const string PresenceChangedTopic = "presence.changed";
    public const string PresenceEdgesTopic = "presence.edges";

    /// <summary>
    /// ConnectionLifecycleEvent (connected / disconnected per connection) and RoomLifecycleEvent (joined / left
    /// per room and connection), for backends. Under the <c>presence.</c> and <c>room.</c> prefixes,
    /// so the JetStream stream subjects that already cover the suite's topics cover them too.
    /// </summary>
    public const string PresenceLifecycleTopic = "presence.lifecycle";
    public const string RoomLifecycleTopic = "room.lifecycle";

    /// <summary>Normal-priority deliveries for one edge.</summary>
    public static string EdgeTopic(string edgeId) => $"edge.{edgeId}";

    /// <summary>High-priority deliveries for one edge, consumed apart from the normal backlog.</summary>
    public static string EdgeUrgentTopic(string edgeId) => $"edge.{edgeId}.urgent";
}
