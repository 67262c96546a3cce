using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Lifecycle;

namespace Suite.Presence.Events;

/// <summary>
/// Publishes PresenceChanged in the proto3 JSON mapping, after the state write that caused it
/// succeeded, through the service's <see cref="LifecyclePublisher"/>: queued without waiting, sent
/// as one bulk publish per batch (a reconnect storm's thousands of them cost a few sidecar calls)
/// and retried until they land; a bulk publish may deliver them out of order, as their contract
/// allows (ordered per user by version). (EdgeChanged goes through the outbox instead,
/// <see cref="EdgeEventOutbox"/>: room needs it to stop fanning out to a dead edge.)
/// </summary>
public sealed class PresenceEvents(LifecyclePublisher events, TimeProvider time)
{
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
}
