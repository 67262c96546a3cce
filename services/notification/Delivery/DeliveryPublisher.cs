using Dapr;
using Dapr.Client;
using Suite.Contracts.Edge.V1;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults;

namespace Suite.Notification.Delivery;

/// <summary>
/// Publishes deliveries to their edges' topics. Each edge has its own topic and bulk publish is per
/// topic, so the edges are published to in parallel. A retry of the whole event is safe: the
/// message id is the same and edges drop repeats.
/// </summary>
public sealed class DeliveryPublisher(DaprClient dapr, NotificationMetrics metrics)
{
    public async Task PublishAsync(IReadOnlyList<EdgeDelivery> deliveries, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(deliveries.Select(d => PublishOneAsync(d, cancellationToken)));
        }
        catch (DaprException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException($"publishing to the edges failed: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    private async Task PublishOneAsync(EdgeDelivery delivery, CancellationToken cancellationToken)
    {
        var urgent = delivery.Priority == Priority.High;
        var topic = urgent ? DaprNames.EdgeUrgentTopic(delivery.EdgeId) : DaprNames.EdgeTopic(delivery.EdgeId);
        await dapr.PublishByteEventAsync(DaprNames.PubSub, topic, EdgeDeliveryCodec.ToPayload(delivery), EdgeDeliveryCodec.ContentType, EdgeDeliveryCodec.PublishMetadata(), cancellationToken);
        metrics.DeliveriesPublished.Add(1, new KeyValuePair<string, object?>("priority", urgent ? "high" : "normal"));
    }
}
