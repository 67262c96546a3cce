using Dapr;
using Suite.ServiceDefaults.Publishing;
using Suite.Contracts.Edge.V1;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults;

namespace Suite.Notification.Delivery;

/// <summary>
/// Publishes deliveries to their edges' topics, all at once (the service's <see cref="EdgeDeliveryPublisher"/>
/// batches what queues per topic while a publish to it is in flight). A retry of the whole event is safe: the
/// message id is the same and edges drop repeats.
/// </summary>
public sealed class DeliveryPublisher(EdgeDeliveryPublisher publisher, NotificationMetrics metrics)
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
        await publisher.PublishAsync(delivery).WaitAsync(cancellationToken);
        metrics.DeliveriesPublished.Add(1, new KeyValuePair<string, object?>("priority", urgent ? "high" : "normal"));
    }
}
