namespace Suite.Notifications.Client;

/// <summary>The suite's pub/sub names for business events (docs: dapr-contract.md, README "Dead-letter topics").</summary>
public static class NotificationTopics
{
    /// <summary>The suite's pub/sub component.</summary>
    public const string PubSub = "pubsub";

    /// <summary>Where business events are published.</summary>
    public const string Notifications = "notifications";

    /// <summary>Invalid events, each as a <see cref="NotificationDeadLetter"/> naming its reason.</summary>
    public const string DeadLetter = "notifications.deadletter";

    /// <summary>Valid events the service could not deliver (the original CloudEvent, plus <c>deadletterreason</c> when the app gave up).</summary>
    public const string Undelivered = "deadletter.notifications";
}
