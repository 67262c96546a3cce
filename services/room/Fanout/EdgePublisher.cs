using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults.Publishing;

namespace Suite.Room.Fanout;

/// <summary>
/// Publishes one EdgeDelivery per edge hosting members, all edges at once, through the service's
/// <see cref="EdgeDeliveryPublisher"/> (which batches what queues per edge while a publish is in flight).
/// </summary>
internal sealed class EdgePublisher(EdgeDeliveryPublisher publisher, RoomMetrics metrics)
{
    /// <summary>
    /// Queues one delivery per edge before it returns its task (so callers that queue in turn keep
    /// their order per edge), then waits until every edge's publish is done.
    /// </summary>
    /// <param name="target">Sets the target (room or channel) and exclusions on each delivery.</param>
    public Task<int> PublishAsync(IReadOnlyCollection<string> edges, ServerMessage message, Action<EdgeDelivery> target, string kind, CancellationToken cancellationToken)
    {
        var published = new List<Task>(edges.Count);
        foreach (var edge in edges)
        {
            var delivery = new EdgeDelivery { EdgeId = edge, Message = message };
            target(delivery);
            published.Add(publisher.PublishAsync(delivery));
        }

        return CompleteAsync(published, edges.Count, kind, cancellationToken);
    }

    private async Task<int> CompleteAsync(List<Task> published, int count, string kind, CancellationToken cancellationToken)
    {
        // A caller that gives up stops waiting; what it queued is published anyway.
        await Task.WhenAll(published).WaitAsync(cancellationToken);
        metrics.Publishes.Add(count, new KeyValuePair<string, object?>("kind", kind));
        return count;
    }
}
