using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults.Batching;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.Tracing;

namespace Suite.ServiceDefaults.Publishing;

/// <summary>
/// Publishes EdgeDeliveries to their edge's topic (<c>edge.{id}</c>, or <c>edge.{id}.urgent</c> for
/// high priority) with one publish in flight per topic: what is queued for a topic meanwhile goes out
/// next as one batch event (<see cref="EdgeDelivery.Batch"/>). A quiet publisher pays one publish per
/// delivery as before; a busy one pays one per topic per round trip instead of one per delivery, and
/// each topic gets deliveries in the order they were queued.
/// </summary>
/// <remarks>
/// Each delivery carries the trace context of the span that queued it (<see cref="EdgeDelivery.Traceparent"/>),
/// so a batch of deliveries from different traces still continues each one at the edge; with no
/// exporter nothing is stamped.
/// </remarks>
public sealed class EdgeDeliveryPublisher(SidecarClient sidecar, TimeProvider time, PublisherMetrics? metrics = null)
{
    // Every publish carries the same request metadata; the dictionary is only read.
    private static readonly IReadOnlyDictionary<string, string> PublishMetadata = EdgeDeliveryCodec.PublishMetadata();

    private readonly SidecarClient _sidecar = sidecar;
    private readonly TimeProvider _time = time;
    private readonly PublisherMetrics? _metrics = metrics;
    private readonly ConcurrentDictionary<string, TopicLane> _lanes = new(StringComparer.Ordinal);

    /// <summary>
    /// Queues the delivery before it returns (so callers that queue in turn keep their order per
    /// topic); the task completes once the event carrying it is published. It is published even if
    /// the caller stops waiting.
    /// </summary>
    public Task PublishAsync(EdgeDelivery delivery)
    {
        if (TraceContext.TryGetCurrent(out var traceparent, out var tracestate))
        {
            delivery.Traceparent = traceparent;
            delivery.Tracestate = tracestate;
        }

        var topic = delivery.Priority == Priority.High ? DaprNames.EdgeUrgentTopic(delivery.EdgeId) : DaprNames.EdgeTopic(delivery.EdgeId);
        return _lanes.GetOrAdd(topic, static (t, publisher) => new TopicLane(t, publisher), this).Enqueue(delivery);
    }

    /// <summary>One topic's queue: one publish in flight, the rest batched behind it.</summary>
    private sealed class TopicLane
    {
        // A batch stays well under the brokers' message limits (NATS max_payload defaults to 1 MB).
        private const int MaxBatchBytes = 512 * 1024;
        private const int MaxBatchDeliveries = 256;

        // Not tied to any one caller: a batch carries several callers' deliveries.
        private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

        private readonly string _topic;
        private readonly EdgeDeliveryPublisher _publisher;
        private readonly CoalescingLane<EdgeDelivery> _lane;

        public TopicLane(string topic, EdgeDeliveryPublisher publisher)
        {
            _topic = topic;
            _publisher = publisher;
            _lane = new CoalescingLane<EdgeDelivery>(PublishAsync, MaxBatchDeliveries, MaxBatchBytes);
        }

        public Task Enqueue(EdgeDelivery delivery) => _lane.Enqueue(delivery, delivery.CalculateSize());

        private async Task PublishAsync(IReadOnlyList<EdgeDelivery> batch)
        {
            var payload = batch.Count == 1
                ? batch[0].ToByteArray()
                : new EdgeDelivery { EdgeId = batch[0].EdgeId, Batch = { batch } }.ToByteArray();
            using var timeout = new CancellationTokenSource(PublishTimeout, _publisher._time);
            try
            {
                await _publisher._sidecar.PublishAsync(DaprNames.PubSub, _topic, UnsafeByteOperations.UnsafeWrap(payload), EdgeDeliveryCodec.ContentType, PublishMetadata, timeout.Token);
            }
            catch
            {
                _publisher._metrics?.Published(batch.Count, ok: false);
                throw;
            }

            _publisher._metrics?.Published(batch.Count, ok: true);
        }
    }
}

public static class EdgeDeliveryPublisherExtensions
{
    /// <summary>Registers the one <see cref="EdgeDeliveryPublisher"/> of a service, over the service's <see cref="SidecarClient"/>.</summary>
    public static IServiceCollection AddEdgeDeliveryPublisher(this IServiceCollection services)
    {
        services.AddSidecar();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PublisherMetrics>();
        services.TryAddSingleton<EdgeDeliveryPublisher>();
        return services;
    }
}
