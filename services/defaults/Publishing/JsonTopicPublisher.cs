using System.Collections.Concurrent;
using Dapr;
using Google.Protobuf;
using Suite.ServiceDefaults.Batching;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.Publishing;

/// <summary>
/// Publishes JSON events (each its own CloudEvent, as a single publish makes it) with one publish in
/// flight per topic: events queued for a topic meanwhile go out together in one BulkPublishEvent. A
/// quiet service pays one PublishEvent per event as before; a burst (a reconnect storm's thousands of
/// presence changes) pays one sidecar round trip per batch instead of one per event.
/// </summary>
/// <remarks>
/// The entries of one bulk publish may reach the broker in any order (daprd sends them in parallel),
/// so this is for events that carry their own order (a version) or need none.
/// </remarks>
public sealed class JsonTopicPublisher(SidecarClient sidecar)
{
    // Far under any broker's message limits per entry, and a bound on one request's size.
    private const int MaxBatchEvents = 256;
    private const int MaxBatchBytes = 512 * 1024;

    // A batch carries several callers' events, so no one caller's token bounds it.
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, CoalescingLane<Pending>> _lanes = new(StringComparer.Ordinal);

    /// <summary>
    /// Completes once the event is published, or fails with a <see cref="DaprException"/> (or an
    /// <see cref="OperationCanceledException"/> after the publish timeout) when it was not.
    /// </summary>
    public async Task PublishAsync(string pubsub, string topic, ByteString json)
    {
        var pending = new Pending(json);
        await _lanes.GetOrAdd($"{pubsub}/{topic}", _ => new CoalescingLane<Pending>(batch => PublishAsync(pubsub, topic, batch), MaxBatchEvents, MaxBatchBytes))
            .Enqueue(pending, json.Length);
        if (pending.Failure is { } failure)
        {
            throw failure;
        }
    }

    private async Task PublishAsync(string pubsub, string topic, IReadOnlyList<Pending> batch)
    {
        using var timeout = new CancellationTokenSource(PublishTimeout);
        if (batch.Count == 1)
        {
            await sidecar.PublishAsync(pubsub, topic, batch[0].Json, "application/json", null, timeout.Token);
            return;
        }

        var failed = await sidecar.BulkPublishJsonAsync(pubsub, topic, [.. batch.Select((p, i) => (EntryId(i), p.Json))], timeout.Token);
        for (var i = 0; i < batch.Count; i++)
        {
            if (failed.Contains(EntryId(i)))
            {
                batch[i].Failure = new DaprException($"the sidecar reported entry {i} of a bulk publish to {topic} as failed");
            }
        }
    }

    private static string EntryId(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Pending(ByteString json)
    {
        public ByteString Json { get; } = json;

        public DaprException? Failure { get; set; }
    }
}
