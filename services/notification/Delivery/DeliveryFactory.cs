using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Notification.V1;
using Suite.Notification.Upstream;
using EdgePriority = Suite.Contracts.Edge.V1.Priority;
using NotificationPriority = Suite.Contracts.Notification.V1.Priority;

namespace Suite.Notification.Delivery;

/// <summary>
/// One EdgeDelivery per edge, all sharing one structured message; the edges render the client frame
/// <c>{"type","channel"?,"content","timestamp","id"}</c> from it.
/// </summary>
public static class DeliveryFactory
{
    /// <param name="contentJson">payload.content as one JSON value (checked at intake).</param>
    public static ServerMessage Message(NotificationEvent evt, string id, string contentJson, DateTimeOffset now) => new()
    {
        Id = id,
        Type = evt.Payload.Type,
        Timestamp = Timestamp.FromDateTimeOffset(now),
        // Only a channel target names itself in the frame; users, a room or everyone do not.
        Channel = evt.TargetCase == NotificationEvent.TargetOneofCase.Channel ? evt.Channel : "",
        ContentJson = ByteString.CopyFromUtf8(contentJson),
        Ack = evt.Ack,
    };

    public static EdgeDelivery Create(NotificationEvent evt, EdgeTarget edge, ServerMessage message, DateTimeOffset now)
    {
        var delivery = new EdgeDelivery
        {
            EdgeId = edge.EdgeId,
            Priority = evt.Priority == NotificationPriority.High ? EdgePriority.High : EdgePriority.Normal,
            DroppableKey = evt.Droppable,
            Message = message,
        };

        switch (evt.TargetCase)
        {
            case NotificationEvent.TargetOneofCase.Users:
                delivery.Users = new Contracts.Edge.V1.UserIds { Ids = { edge.Users ?? [] } };
                break;
            case NotificationEvent.TargetOneofCase.Room:
                delivery.RoomId = evt.Room;
                break;
            case NotificationEvent.TargetOneofCase.Channel:
                delivery.Channel = evt.Channel;
                break;
            case NotificationEvent.TargetOneofCase.Everyone:
                delivery.Everyone = true;
                break;
        }

        if (evt.Filter is { } filter && (filter.Tags.Count + filter.Regions.Count + filter.Platforms.Count) > 0)
        {
            delivery.Filter = new ConnectionFilter { Tags = { filter.Tags }, Regions = { filter.Regions }, Platforms = { filter.Platforms } };
        }

        if (evt.Ttl is { } ttl)
        {
            delivery.ExpiresAt = Timestamp.FromDateTimeOffset(now + ttl.ToTimeSpan());
        }

        return delivery;
    }
}
