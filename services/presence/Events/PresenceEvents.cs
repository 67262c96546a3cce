using System.Text.Json;
using Dapr;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Presence.Events;

/// <summary>
/// Publishes PresenceChanged in the proto3 JSON mapping. Events go out after the state write that
/// caused them succeeded; a failed publish is logged and not retried by the caller, because
/// repeating the RPC changes nothing and so publishes nothing. (EdgeChanged goes through the
/// outbox instead, <see cref="EdgeEventOutbox"/>: room needs it to stop fanning out to a dead edge.)
/// </summary>
public sealed class PresenceEvents(SidecarClient sidecar, TimeProvider time, ILogger<PresenceEvents> logger)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(5);

    public Task UserChangedAsync(string userId, PresenceStatus status, ulong version, string edgeId) =>
        PublishAsync(DaprNames.PresenceChangedTopic, new PresenceChanged
        {
            UserId = userId,
            Status = status,
            Version = version,
            EdgeId = edgeId,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
        });

    private async Task PublishAsync(string topic, IMessage message)
    {
        try
        {
            using var data = JsonDocument.Parse(JsonFormatter.Default.Format(message));

            // Not the caller's token: the change is already stored, and a cancelled caller must not lose its event.
            using var timeout = new CancellationTokenSource(PublishTimeout, time);
            await sidecar.PublishJsonAsync(DaprNames.PubSub, topic, data.RootElement, timeout.Token);
        }
        catch (Exception ex) when (ex is DaprException or OperationCanceledException)
        {
            PresenceLog.PublishFailed(logger, ex, topic);
        }
    }
}
