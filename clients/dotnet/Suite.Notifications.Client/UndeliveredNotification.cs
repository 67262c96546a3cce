using System.Text.Json;

namespace Suite.Notifications.Client;

/// <summary>
/// A valid event the service could not deliver, as it lies in <c>deadletter.notifications</c>
/// (<see cref="NotificationTopics.Undelivered"/>): the original CloudEvent, with the extension
/// attribute <c>deadletterreason</c> when the notification app gave up on it (presence, room or the
/// broker failed on its last attempt), without one when its sidecar did. Publish <see cref="Data"/>
/// again (<see cref="NotificationPublisher.RepublishAsync"/>) once the suite is back.
/// </summary>
/// <param name="EventId">The CloudEvent's <c>id</c>.</param>
/// <param name="Source">The CloudEvent's <c>source</c> (the publishing app).</param>
/// <param name="Type">The CloudEvent's <c>type</c>.</param>
/// <param name="Data">The event as published; valid, so it can go to <c>notifications</c> again as it is.</param>
/// <param name="Reason">Why the app gave up (<c>unavailable: ...</c>); null when the sidecar dead-lettered it (the reason is then in its log).</param>
public sealed record UndeliveredNotification(string EventId, string Source, string Type, JsonElement Data, string? Reason)
{
    /// <summary>The extension attribute the notification app adds.</summary>
    public const string ReasonAttribute = "deadletterreason";

    /// <summary>
    /// From the CloudEvent envelope itself: an app reads it on a route the Dapr CloudEvents middleware
    /// does not unwrap (the middleware hands on only <c>data</c>, without the reason).
    /// </summary>
    /// <exception cref="FormatException">Not a CloudEvent with JSON data.</exception>
    public static UndeliveredNotification Parse(JsonElement cloudEvent)
    {
        if (cloudEvent.ValueKind != JsonValueKind.Object || !cloudEvent.TryGetProperty("data", out var data))
        {
            throw new FormatException("not an undelivered notification: a CloudEvent with \"data\" is expected");
        }

        return new UndeliveredNotification(Text(cloudEvent, "id") ?? "", Text(cloudEvent, "source") ?? "", Text(cloudEvent, "type") ?? "", data.Clone(), Text(cloudEvent, ReasonAttribute));
    }

    /// <inheritdoc cref="Parse(JsonElement)"/>
    public static UndeliveredNotification Parse(string cloudEventJson)
    {
        try
        {
            using var document = JsonDocument.Parse(cloudEventJson);
            return Parse(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not an undelivered notification: {e.Message}", e);
        }
    }

    private static string? Text(JsonElement cloudEvent, string name) =>
        cloudEvent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
