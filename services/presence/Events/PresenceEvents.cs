using System.Text.Json;
using Dapr;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.Publishing;

namespace Suite.Presence.Events;

/// <summary>
/// Publishes PresenceChanged and EdgeChanged in the proto3 JSON mapping. Events go out after the
/// state write that caused them succeeded; a failed publish is logged and not retried by the caller,
/// because repeating the RPC changes nothing and so publishes nothing. PresenceChanged events made
/// while one is being published share one bulk publish (<see cref="JsonTopicPublisher"/>), which
/// may deliver them out of order, as their contract allows (ordered per user by version); EdgeChanged
/// events are published one by one, in order.
/// </summary>
public sealed class PresenceEvents(JsonTopicPublisher publisher, SidecarClient sidecar, TimeProvider time, ILogger<PresenceEvents> logger)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    public Task UserChangedAsync(string userId, PresenceStatus status, ulong version, string edgeId) =>
        PublishAsync(DaprNames.PresenceChangedTopic, batched: true, new PresenceChanged
        {
            UserId = userId,
            Status = status,
            Version = version,
            EdgeId = edgeId,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        });

    public Task EdgeChangedAsync(string edgeId, string incarnation, ulong leaseGeneration, EdgeChange change) =>
        PublishAsync(DaprNames.PresenceEdgesTopic, batched: false, new EdgeChanged
        {
            EdgeId = edgeId,
            Incarnation = incarnation,
            LeaseGeneration = leaseGeneration,
            Change = change,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        });

    private async Task PublishAsync(string topic, bool batched, IMessage message)
    {
        try
        {
            // Compact, as DaprClient.PublishEventAsync wrote it (the formatter puts spaces in). Not the
            // caller's token: the change is already stored, and a cancelled caller must not lose its event.
            using var data = JsonDocument.Parse(JsonFormatter.Default.Format(message));
            var json = UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(data.RootElement));
            if (batched)
            {
                await publisher.PublishAsync(DaprNames.PubSub, topic, json);
                return;
            }

            using var timeout = new CancellationTokenSource(PublishTimeout, time);
            await sidecar.PublishAsync(DaprNames.PubSub, topic, json, "application/json", null, timeout.Token);
        }
        catch (Exception ex) when (ex is DaprException or OperationCanceledException)
        {
            PresenceLog.PublishFailed(logger, ex, topic);
        }
    }
}
