using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.Room.Fanout;
using Suite.Room.Messaging;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Channels;

/// <summary>Channel subscriptions per connection, the channel -> edges index, and channel publications.</summary>
internal sealed class ChannelMembership(StateStore state, EdgeIndexes indexes, EdgePublisher publisher, RoomMetrics metrics, TimeProvider time)
{
    public async Task SubscribeAsync(string channel, string userId, string edgeId, string connectionId, LeaseTag? lease, CancellationToken cancellationToken)
    {
        var key = StateKeys.ChannelConnection(channel, connectionId);
        ChannelConnection? before = null;
        var count = false;
        await state.UpdateAsync<ChannelConnection>(key, "channel", current =>
        {
            before = current;

            // A repeat counts again only under a later lease of the same edge: the edge's replay after
            // its lease lapsed, when the end of that lease may have taken the edge out of the channel.
            count = current is null || (current.EdgeId == edgeId && LeaseTag.Supersedes(lease, current.Lease));
            return count ? (new ChannelConnection { EdgeId = edgeId, UserId = userId, Lease = lease }, true) : (current, false);
        }, cancellationToken);
        if (!count)
        {
            return;
        }

        try
        {
            await indexes.CountAsync(IndexKind.Channel, channel, edgeId, lease, cancellationToken);
        }
        catch
        {
            // A retried Subscribe must find the record as it was, or it would never count the connection.
            await state.UpdateAsync<ChannelConnection>(key, "channel", current => (before, true), CancellationToken.None);
            throw;
        }

        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("op", before is null ? "subscribe" : "resubscribe"));
    }

    public async Task UnsubscribeAsync(string channel, string connectionId, CancellationToken cancellationToken)
    {
        ChannelConnection? removed = null;
        await state.UpdateAsync<ChannelConnection>(StateKeys.ChannelConnection(channel, connectionId), "channel", current =>
        {
            removed = current;
            return (null, current is not null);
        }, cancellationToken);
        if (removed is null)
        {
            return;
        }

        await indexes.UncountAsync(IndexKind.Channel, channel, removed.EdgeId, removed.Lease, cancellationToken);
        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("op", "unsubscribe"));
    }

    public async Task<PublishToChannelResponse> PublishAsync(PublishToChannelRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = request.MessageId.Length > 0 ? request.MessageId : MessageIds.New();
        var message = new ServerMessage
        {
            Id = id,
            Type = request.Type.Length > 0 ? request.Type : "message",
            Timestamp = Timestamp.FromDateTimeOffset(now),
            Channel = request.Channel,
            ContentJson = ByteString.CopyFromUtf8(request.ContentJson),
        };
        var index = await indexes.ReadAsync(IndexKind.Channel, request.Channel, cancellationToken);
        var edges = index.Edges.Where(e => e.Value > 0).Select(e => e.Key).ToList();
        await publisher.PublishAsync(edges, message, d =>
        {
            d.Channel = request.Channel;
            d.DroppableKey = request.DroppableKey;
        }, "channel", cancellationToken);
        metrics.MessageEdges.Record(edges.Count, new KeyValuePair<string, object?>("kind", "channel"));
        return new PublishToChannelResponse { MessageId = id, EdgesTargeted = edges.Count };
    }
}
