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
    public async Task SubscribeAsync(string channel, string userId, string edgeId, string connectionId, CancellationToken cancellationToken)
    {
        var added = false;
        await state.UpdateAsync<ChannelConnection>(StateKeys.ChannelConnection(channel, connectionId), "channel", current =>
        {
            added = current is null;
            return added ? (new ChannelConnection { EdgeId = edgeId, UserId = userId }, true) : (current, false);
        }, cancellationToken);
        if (!added)
        {
            return;
        }

        try
        {
            await indexes.ChangeAsync(IndexKind.Channel, channel, edgeId, +1, 0, cancellationToken);
        }
        catch
        {
            // A retried Subscribe must find nothing recorded, or it would never count the connection.
            await state.UpdateAsync<ChannelConnection>(StateKeys.ChannelConnection(channel, connectionId), "channel", current => (null, current is not null), CancellationToken.None);
            throw;
        }

        metrics.Subscriptions.Add(1, new KeyValuePair<string, object?>("op", "subscribe"));
    }

    public async Task UnsubscribeAsync(string channel, string connectionId, CancellationToken cancellationToken)
    {
        string? edgeId = null;
        await state.UpdateAsync<ChannelConnection>(StateKeys.ChannelConnection(channel, connectionId), "channel", current =>
        {
            edgeId = current?.EdgeId;
            return (null, current is not null);
        }, cancellationToken);
        if (edgeId is null)
        {
            return;
        }

        await indexes.ChangeAsync(IndexKind.Channel, channel, edgeId, -1, 0, cancellationToken);
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
