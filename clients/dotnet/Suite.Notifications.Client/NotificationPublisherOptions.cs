using System.Text.Json;

namespace Suite.Notifications.Client;

/// <summary>Where and how <see cref="NotificationPublisher"/> publishes.</summary>
public sealed class NotificationPublisherOptions
{
    /// <summary>The Dapr pub/sub component the suite subscribes on.</summary>
    public string PubSubName { get; set; } = NotificationTopics.PubSub;

    /// <summary>The topic the notification service reads business events from.</summary>
    public string Topic { get; set; } = NotificationTopics.Notifications;

    /// <summary>The service's input limits, checked before publishing.</summary>
    public NotificationLimits Limits { get; set; } = new();

    /// <summary>How a <see cref="BusinessEvent.Content"/> object becomes JSON (web defaults: camelCase).</summary>
    public JsonSerializerOptions ContentSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
