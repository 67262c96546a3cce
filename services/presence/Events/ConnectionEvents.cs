using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Presence.State;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Lifecycle;

namespace Suite.Presence.Events;

/// <summary>
/// ConnectionLifecycleEvent events on <see cref="DaprNames.PresenceLifecycleTopic"/>, queued once the
/// user's record that holds the change (and its version) committed; the publisher retries until
/// they land. Off with <see cref="PresenceOptions.LifecycleEvents"/> = false.
/// </summary>
public sealed class ConnectionEvents(LifecyclePublisher publisher, IOptions<PresenceOptions> options, TimeProvider time)
{
    public const string Connect = "connect";
    public const string Disconnect = "disconnect";
    public const string LeaseEnded = "edge_lease_ended";

    private readonly bool _enabled = options.Value.LifecycleEvents;

    public void Connected(string userId, ConnectionRecord connection, ulong version)
    {
        if (_enabled)
        {
            publisher.Enqueue(DaprNames.PresenceLifecycleTopic, new ConnectionLifecycleEvent
            {
                ConnectionId = connection.ConnectionId,
                UserId = userId,
                EdgeId = connection.EdgeId,
                Kind = ConnectionLifecycleKind.Connected,
                Reason = Connect,
                At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                Version = version,
                Attributes = new ConnectionAttributes { Tags = { connection.Tags }, Region = connection.Region, Platform = connection.Platform },
            });
        }
    }

    /// <summary><paramref name="removed"/> in the order their versions were given; the last has <paramref name="version"/>.</summary>
    public void Disconnected(string userId, IReadOnlyList<ConnectionRecord> removed, ulong version, string reason)
    {
        if (!_enabled)
        {
            return;
        }

        var at = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        var first = version - (ulong)removed.Count + 1;
        for (var i = 0; i < removed.Count; i++)
        {
            publisher.Enqueue(DaprNames.PresenceLifecycleTopic, new ConnectionLifecycleEvent
            {
                ConnectionId = removed[i].ConnectionId,
                UserId = userId,
                EdgeId = removed[i].EdgeId,
                Kind = ConnectionLifecycleKind.Disconnected,
                Reason = reason.Length > 0 ? reason : Disconnect,
                At = at,
                Version = first + (ulong)i,
            });
        }
    }

    /// <summary>The reason of the DISCONNECTED events for the connections of an ended lease.</summary>
    public static string ReasonFor(EdgeChange change) => change switch
    {
        EdgeChange.LeaseExpired => "edge_lease_expired",
        EdgeChange.Deregistered => "edge_drained",
        EdgeChange.Replaced => "edge_replaced",
        _ => LeaseEnded,
    };
}
