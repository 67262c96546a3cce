using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Lifecycle;

namespace Suite.Room.Membership;

/// <summary>
/// RoomLifecycleEvent events on <see cref="DaprNames.RoomLifecycleTopic"/>, queued by the room's owner
/// inside its turn once the change and the head carrying its version committed, so they are queued in
/// version order; the publisher retries until they land. Off with <see cref="RoomOptions.LifecycleEvents"/> = false.
/// Formatted by <see cref="RoomLifecycleJson"/> rather than protobuf's generic formatter, whose cost
/// inside the turn was ~9 % of the room's CPU per join (docs/benchmarks.md, "Joins").
/// </summary>
internal sealed class RoomLifecycleEvents(LifecyclePublisher publisher, IOptions<RoomOptions> options, TimeProvider time)
{
    public const string Join = "join";
    public const string Leave = "leave";
    public const string ConnectionClosed = "connection_closed";
    public const string EdgeLeaseExpired = "edge_lease_expired";

    public bool Enabled { get; } = options.Value.LifecycleEvents;

    public void Changed(string roomId, string userId, string connectionId, string edgeId, bool joined, string reason, bool userChanged, ulong version)
    {
        if (!Enabled)
        {
            return;
        }

        publisher.Enqueue(DaprNames.RoomLifecycleTopic, RoomLifecycleJson.Format(new RoomLifecycleEvent
        {
            RoomId = roomId,
            UserId = userId,
            ConnectionId = connectionId,
            EdgeId = edgeId,
            Kind = joined ? RoomLifecycleKind.Joined : RoomLifecycleKind.Left,
            Reason = reason.Length > 0 ? reason : joined ? Join : Leave,
            At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Version = version,
            UserChanged = userChanged,
        }));
    }

    /// <summary>The reason of the LEFT events for the connections of an edge whose lease ended.</summary>
    public static string ReasonFor(EdgeChange change) => change switch
    {
        EdgeChange.Deregistered => "edge_drained",
        EdgeChange.Replaced => "edge_replaced",
        _ => EdgeLeaseExpired,
    };
}
