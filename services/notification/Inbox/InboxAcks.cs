using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Notification.V1;
using Suite.Notification.Delivery;
using Suite.Notification.Intake;
using Suite.Notification.Upstream;

namespace Suite.Notification.Inbox;

/// <summary>
/// A device's ack: the items leave the user's inbox, and the user's other connections, on every edge,
/// get a <c>dismissed</c> message (rendered by the edges) naming every requested id.
/// </summary>
/// <remarks>
/// Every requested id is dismissed, not only those still in the inbox: an item that already expired
/// from the inbox may still be on another device's screen, and a dismissal of an id a device does not
/// show is a no-op for it. The removal comes first, so a failed publish leaves nothing pending that
/// was acked; the caller's retry removes nothing more and publishes the dismissal again.
/// </remarks>
public sealed partial class InboxAcks(
    InboxStore store,
    EdgeTargetResolver resolver,
    DeliveryPublisher publisher,
    TimeProvider time,
    IOptions<NotificationOptions> options,
    NotificationMetrics metrics,
    ILogger<InboxAcks> logger)
{
    /// <summary>The server message type of a dismissal; reserved, so no business event can use it.</summary>
    public const string DismissedType = "dismissed";

    public ValidationError? Validate(AckRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = options.Value;
        if (!IsId(request.UserId, limits.MaxIdLength))
        {
            return new("invalid_user", "user_id", $"must be 1 to {limits.MaxIdLength} characters");
        }

        if (request.Ids.Count == 0 || request.Ids.Count > limits.MaxAckIds)
        {
            return new("invalid_ids", "ids", $"{request.Ids.Count} ids; 1 to {limits.MaxAckIds} per ack");
        }

        if (request.Ids.Any(id => !IsId(id, limits.MaxIdLength)))
        {
            return new("invalid_ids", "ids", $"ids must be 1 to {limits.MaxIdLength} characters");
        }

        return request.ExceptConnectionId.Length > limits.MaxIdLength
            ? new("invalid_connection", "except_connection_id", $"longer than {limits.MaxIdLength} characters")
            : null;
    }

    /// <exception cref="UpstreamUnavailableException">Presence or the broker failed after the removal; retry.</exception>
    public async Task<AckResponse> AckAsync(AckRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ids = request.Ids.Distinct(StringComparer.Ordinal).ToList();
        var removed = await store.RemoveAsync(request.UserId, ids, cancellationToken);
        metrics.InboxItemsAcked.Add(removed);

        var edges = await resolver.ResolveAsync(new NotificationEvent { Users = new Contracts.Notification.V1.UserIds { Ids = { request.UserId } } }, cancellationToken);
        var message = new ServerMessage
        {
            Id = Guid.NewGuid().ToString("N"),
            Type = DismissedType,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Ids = { ids },
        };
        var deliveries = edges.Select(edge =>
        {
            var delivery = new EdgeDelivery { EdgeId = edge.EdgeId, Users = new Contracts.Edge.V1.UserIds { Ids = { request.UserId } }, Message = message };
            if (request.ExceptConnectionId.Length > 0)
            {
                delivery.ExceptConnectionIds.Add(request.ExceptConnectionId);
            }

            return delivery;
        }).ToList();
        await publisher.PublishAsync(deliveries, cancellationToken);
        LogAcked(logger, request.UserId, ids.Count, removed, deliveries.Count);
        return new AckResponse { Removed = removed, EdgesTargeted = deliveries.Count };
    }

    private static bool IsId(string value, int maxLength) => value.Length > 0 && value.Length <= maxLength && !string.IsNullOrWhiteSpace(value);

    [LoggerMessage(21, LogLevel.Information, "Inbox of {UserId}: {Ids} ids acked, {Removed} items removed, dismissal published to {Edges} edges")]
    private static partial void LogAcked(ILogger logger, string userId, int ids, int removed, int edges);
}
