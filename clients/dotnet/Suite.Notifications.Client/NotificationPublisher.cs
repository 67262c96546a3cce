using System.Text.Json;
using Dapr.Client;

namespace Suite.Notifications.Client;

/// <summary>
/// Publishes business events through the application's own Dapr sidecar to the <c>notifications</c>
/// topic, as the proto3 JSON the intake accepts. An invalid event throws
/// <see cref="NotificationValidationException"/> and is not published (on the topic it would only
/// be dead-lettered). Delivery is at least once; set <see cref="BusinessEvent.Id"/> to make a
/// republish of the same event a no-op for the service and for clients.
/// </summary>
public sealed class NotificationPublisher(DaprClient dapr, NotificationPublisherOptions? options = null)
{
    private readonly NotificationPublisherOptions _options = options ?? new();

    /// <exception cref="NotificationValidationException">The intake would refuse the event.</exception>
    public async Task PublishAsync(BusinessEvent evt, CancellationToken cancellationToken = default)
    {
        var data = Render(evt, _options);
        await dapr.PublishEventAsync(_options.PubSubName, _options.Topic, data, cancellationToken);
    }

    /// <summary>
    /// An undelivered event published to the topic again as it was. Its <c>id</c> makes a copy that was
    /// in fact delivered a duplicate; an event published without one gets a new derived id, so its
    /// clients may see it twice.
    /// </summary>
    public async Task RepublishAsync(UndeliveredNotification undelivered, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(undelivered);
        await dapr.PublishEventAsync(_options.PubSubName, _options.Topic, undelivered.Data, cancellationToken);
    }

    /// <summary>The CloudEvent <c>data</c> this publisher sends for <paramref name="evt"/>, after validation.</summary>
    /// <exception cref="NotificationValidationException">The intake would refuse the event.</exception>
    public static JsonElement Render(BusinessEvent evt, NotificationPublisherOptions? options = null)
    {
        options ??= new();
        var content = BusinessEventRendering.Content(evt, options.ContentSerializerOptions);
        BusinessEventValidator.Validate(evt, content, options.Limits);
        return BusinessEventRendering.Json(evt, content);
    }
}
