using System.Text.Json;
using Dapr;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.Lifecycle;

namespace Suite.Presence.Events;

/// <summary>
/// Publishes PresenceChanged and EdgeChanged in the proto3 JSON mapping, after the state write that
/// caused them succeeded. PresenceChanged events go through the service's
/// <see cref="LifecyclePublisher"/>: queued without waiting, sent as one bulk publish per batch (a
/// reconnect storm's thousands of them cost a few sidecar calls) and retried until they land; a bulk
/// publish may deliver them out of order, as their contract allows (ordered per user by version).
/// EdgeChanged events are published one by one, in order; a failed one is logged.
/// </summary>
public sealed class PresenceEvents(LifecyclePublisher events, SidecarClient sidecar, TimeProvider time, ILogger<PresenceEvents> logger)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    public Task UserChangedAsync(string userId, PresenceStatus status, ulong version, string edgeId)
    {
        events.Enqueue(DaprNames.PresenceChangedTopic, new PresenceChanged
        {
            UserId = userId,
            Status = status,
            Version = version,
            EdgeId = edgeId,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        });
        return Task.CompletedTask;
    }

    public async Task EdgeChangedAsync(string edgeId, string incarnation, ulong leaseGeneration, EdgeChange change)
    {
        var message = new EdgeChanged
        {
            EdgeId = edgeId,
            Incarnation = incarnation,
            LeaseGeneration = leaseGeneration,
            Change = change,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        };
        try
        {
            // Compact, as DaprClient.PublishEventAsync wrote it (the formatter puts spaces in). Not the
            // caller's token: the change is already stored, and a cancelled caller must not lose its event.
            using var data = JsonDocument.Parse(JsonFormatter.Default.Format(message));
            using var timeout = new CancellationTokenSource(PublishTimeout, time);
            await sidecar.PublishJsonAsync(DaprNames.PubSub, DaprNames.PresenceEdgesTopic, data.RootElement, timeout.Token);
        }
        catch (Exception ex) when (ex is DaprException or OperationCanceledException)
        {
            PresenceLog.PublishFailed(logger, ex, DaprNames.PresenceEdgesTopic);
        }
    }
}
