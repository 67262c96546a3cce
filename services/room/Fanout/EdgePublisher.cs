using System.Collections.Concurrent;
using Dapr.Client;
using Google.Protobuf;
using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults;

namespace Suite.Room.Fanout;

/// <summary>
/// Publishes EdgeDeliveries to each edge's own topic <c>edge.{id}</c>, all edges at once, with one
/// publish in flight per edge: what is queued for an edge meanwhile goes out next as one batch event
/// (<see cref="EdgeDelivery.Batch"/>). A quiet room pays one publish per edge as before; a busy
/// replica (many rooms, or a room's queued joins) pays one per edge per round trip instead of one
/// per delivery, and each edge's topic gets deliveries in the order they were queued.
/// </summary>
internal sealed class EdgePublisher(DaprClient dapr, RoomMetrics metrics, TimeProvider time)
{
    private readonly DaprClient _dapr = dapr;
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<string, EdgeLane> _lanes = new(StringComparer.Ordinal);

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
            published.Add(_lanes.GetOrAdd(edge, static (id, publisher) => new EdgeLane(id, publisher), this).Enqueue(delivery));
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

    /// <summary>One edge's queue and its single publishing loop.</summary>
    private sealed class EdgeLane(string edgeId, EdgePublisher publisher)
    {
        // A batch stays well under the brokers' message limits (NATS max_payload defaults to 1 MB).
        private const int MaxBatchBytes = 512 * 1024;
        private const int MaxBatchDeliveries = 256;

        // Not tied to any one caller: a batch carries several callers' deliveries.
        private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

        private readonly Lock _lock = new();
        private readonly Queue<(EdgeDelivery Delivery, TaskCompletionSource Published)> _queued = new();
        private bool _publishing;

        public Task Enqueue(EdgeDelivery delivery)
        {
            var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                _queued.Enqueue((delivery, published));
                if (_publishing)
                {
                    return published.Task;
                }

                _publishing = true;
            }

            _ = PublishQueuedAsync();
            return published.Task;
        }

        private async Task PublishQueuedAsync()
        {
            while (TakeBatch() is { } batch)
            {
                try
                {
                    var payload = batch.Count == 1
                        ? batch[0].Delivery.ToByteArray()
                        : new EdgeDelivery { EdgeId = edgeId, Batch = { batch.Select(b => b.Delivery) } }.ToByteArray();
                    using var timeout = new CancellationTokenSource(PublishTimeout, publisher._time);
                    await publisher._dapr.PublishByteEventAsync(DaprNames.PubSub, DaprNames.EdgeTopic(edgeId), payload, EdgeDeliveryCodec.ContentType, EdgeDeliveryCodec.PublishMetadata(), timeout.Token);
                    batch.ForEach(b => b.Published.TrySetResult());
                }
                catch (Exception ex)
                {
                    batch.ForEach(b => b.Published.TrySetException(ex));
                }
            }
        }

        // Null once the queue is empty, and then the loop has stopped: the next Enqueue starts one.
        private List<(EdgeDelivery Delivery, TaskCompletionSource Published)>? TakeBatch()
        {
            lock (_lock)
            {
                if (_queued.Count == 0)
                {
                    _publishing = false;
                    return null;
                }

                var batch = new List<(EdgeDelivery, TaskCompletionSource)>();
                var bytes = 0;
                while (_queued.TryPeek(out var next) && batch.Count < MaxBatchDeliveries
                    && (batch.Count == 0 || bytes + next.Delivery.CalculateSize() <= MaxBatchBytes))
                {
                    bytes += next.Delivery.CalculateSize();
                    batch.Add(_queued.Dequeue());
                }

                return batch;
            }
        }
    }
}
