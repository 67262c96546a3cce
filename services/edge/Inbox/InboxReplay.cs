using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Notification.V1;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;
using Suite.Edge.Upstream;

namespace Suite.Edge.Inbox;

/// <summary>
/// Right after a connection's <c>auth:ok</c>: the user's pending acknowledged notifications from
/// notification's inbox, oldest first, each as its usual frame plus <c>"ack":true</c>, then the live
/// frames that arrived meanwhile (<see cref="LiveHold"/>). A notification service that cannot be
/// reached costs the connection its pending items, never the connection: a warning says why.
/// </summary>
/// <remarks>
/// An item may also reach the connection live (its event was published while the inbox was read);
/// both copies carry the event's id, and clients de-duplicate on it.
/// </remarks>
public sealed class InboxReplay(
    NotificationService.NotificationServiceClient notification,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    EdgeMetrics metrics,
    ILogger<InboxReplay> logger)
{
    /// <summary>
    /// Fetches and sends the pending items, then ends the connection's <see cref="LiveHold"/> (started
    /// before it entered the local index), releasing the live frames held meanwhile. Never throws for
    /// an upstream failure.
    /// </summary>
    public async Task SendAsync(Connection connection, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        try
        {
            GetInboxResponse inbox;
            try
            {
                inbox = await notification.GetInboxAsync(
                    new GetInboxRequest { UserId = userId },
                    deadline: UpstreamDeadline.After(options.Value.UpstreamTimeout),
                    cancellationToken: cancellationToken);
            }
            catch (RpcException ex)
            {
                // Cancelled: the connection went away meanwhile, nothing to tell anyone.
                if (!cancellationToken.IsCancellationRequested)
                {
                    metrics.InboxFetches.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
                    InboxLog.FetchFailed(logger, connection.Id, userId, $"{ex.StatusCode}: {ex.Status.Detail}");
                }

                return;
            }

            var now = time.GetUtcNow();
            var sent = 0;
            foreach (var item in inbox.Items)
            {
                var expiresAt = item.ExpiresAt?.ToDateTimeOffset();
                if (expiresAt <= now || !Matches(item.Filter, connection.Identity!) || Frame(connection, item, expiresAt) is not { } frame)
                {
                    continue;
                }

                connection.Send(frame);
                sent++;
            }

            metrics.InboxFetches.Add(1, new KeyValuePair<string, object?>("outcome", "fetched"));
            metrics.InboxItemsSent.Add(sent);
            InboxLog.Sent(logger, connection.Id, userId, sent);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection went away while fetching; nobody is left to send to.
        }
        finally
        {
            connection.EndLiveHold();
        }
    }

    // Rendered by the one frame writer, so the item is byte for byte the live frame plus "ack":true.
    private OutboundFrame? Frame(Connection connection, InboxItem item, DateTimeOffset? expiresAt)
    {
        var message = new ServerMessage { Id = item.Id, Type = item.Type, Timestamp = item.Timestamp, ContentJson = item.ContentJson, Ack = true };
        try
        {
            return new OutboundFrame(DeliveredFrame.Render(message), item.Type, ExpiresAt: expiresAt);
        }
        catch (InvalidDataException ex)
        {
            InboxLog.Unrenderable(logger, connection.Id, item.Id, item.Type, ex.Message);
            return null;
        }
    }

    private static bool Matches(Filter? filter, ClientIdentity identity) =>
        filter is null
        || ((filter.Tags.Count == 0 || filter.Tags.Any(identity.Tags.Contains))
            && (filter.Regions.Count == 0 || filter.Regions.Contains(identity.Region ?? ""))
            && (filter.Platforms.Count == 0 || filter.Platforms.Contains(identity.Platform ?? "")));
}
