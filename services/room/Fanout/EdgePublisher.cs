using Dapr.Client;
using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults;

namespace Suite.Room.Fanout;

/// <summary>Publishes one EdgeDelivery per edge to its own topic <c>edge.{id}</c>, all edges at once.</summary>
internal sealed class EdgePublisher(DaprClient dapr, RoomMetrics metrics)
{
    /// <param name="target">Sets the target (room or channel) and exclusions on each delivery.</param>
    public async Task<int> PublishAsync(IReadOnlyCollection<string> edges, ServerMessage message, Action<EdgeDelivery> target, string kind, CancellationToken cancellationToken)
    {
        // Each edge has its own topic, so a bulk publish would be one call per edge anyway.
        await Task.WhenAll(edges.Select(edge =>
        {
            var delivery = new EdgeDelivery { EdgeId = edge, Message = message };
            target(delivery);
            return dapr.PublishByteEventAsync(DaprNames.PubSub, DaprNames.EdgeTopic(edge), EdgeDeliveryCodec.ToPayload(delivery), EdgeDeliveryCodec.ContentType, EdgeDeliveryCodec.PublishMetadata(), cancellationToken);
        }));
        metrics.Publishes.Add(edges.Count, new KeyValuePair<string, object?>("kind", kind));
        return edges.Count;
    }
}
