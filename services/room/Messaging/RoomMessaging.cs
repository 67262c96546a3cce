using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.Room.Fanout;
using Suite.Room.Owners;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Messaging;

/// <summary>
/// Room messages on the room's owner: membership and idempotency checked in memory, the next seq, the
/// history slot and the idempotency record committed in one transaction, then one delivery per hosting
/// edge; and history reads for resume, from memory.
/// </summary>
internal sealed class RoomMessaging(
    StateStore state,
    RoomWriter writer,
    EdgePublisher publisher,
    IOptions<RoomOptions> options,
    RoomMetrics metrics,
    TimeProvider time,
    ILogger<RoomMessaging> logger)
{
    public async Task<PublishToRoomResponse> PublishAsync(OwnedRoom room, PublishToRoomRequest request, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var key = request.IdempotencyKey;
        StoredMessage message;
        Task<int> delivering;
        using (await room.EnterAsync(cancellationToken))
        {
            if (!room.IsMember(request.UserId, request.ConnectionId))
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"connection '{request.ConnectionId}' of user '{request.UserId}' has not joined room '{request.RoomId}'"));
            }

            var now = time.GetUtcNow();
            if (key.Length > 0 && (room.Keys.Find(key, now) ?? await FindStoredKeyAsync(room, key, now, cancellationToken)) is { } earlier)
            {
                var edges = room.Edges();
                var stored = earlier.Published ? null : room.History.Get(earlier.Seq);
                return await RepeatAsync(room, key, earlier, stored?.Id == earlier.MessageId ? stored : null, edges, cancellationToken);
            }

            var seq = room.Head.Seq + 1;
            var timestamp = now.ToUnixTimeMilliseconds();
            var id = MessageIds.New();
            message = new StoredMessage
            {
                Id = id,
                Seq = seq,
                Timestamp = timestamp,
                UserId = request.UserId,
                ContentJson = request.ContentJson,
            };
            var next = room.Head.WithSeq(seq);
            var changes = new List<StateChange> { StateChange.Upsert(StateKeys.RoomHistory(room.Id, next.Term, seq, o.HistorySize), message) };
            if (key.Length > 0)
            {
                var record = new IdempotencyRecord { MessageId = id, Timestamp = timestamp, Seq = seq, Term = next.Term };
                changes.Add(StateChange.Upsert(StateKeys.RoomIdempotency(room.Id, key), record, ttl: o.IdempotencyWindow));
            }

            await writer.CommitAsync(room, next, changes);
            room.History.Add(message);
            if (key.Length > 0)
            {
                room.Keys.Add(key, id, seq, timestamp, now);
            }

            // Queued for its edges before the room's next message can be: each edge's topic gets a
            // room's messages in seq order.
            delivering = DeliverAsync(room.Id, message, room.Edges(), cancellationToken);
        }

        metrics.Messages.Add(1);
        var count = await delivering;
        if (key.Length > 0)
        {
            room.Keys.MarkPublished(key, message.Seq, count);
        }

        return Response(message.Id, message.Seq, message.Timestamp, count);
    }

    public GetHistoryResponse GetHistory(OwnedRoom room, GetHistoryRequest request)
    {
        var o = options.Value;
        var last = room.Head.Seq;
        var oldestKept = last > (ulong)o.HistorySize ? last - (ulong)o.HistorySize + 1 : 1;
        var limit = (ulong)(request.Limit <= 0 ? o.DefaultHistoryLimit : Math.Min(request.Limit, o.MaxHistoryLimit));
        var response = new GetHistoryResponse { LastSeq = last, Epoch = room.Head.Epoch };
        if (last == 0)
        {
            return response;
        }

        // The highest seq in the range: the room's last, or the one before before_seq.
        var upper = request.BeforeSeq > 0 ? Math.Min(last, request.BeforeSeq - 1) : last;
        if (upper == 0)
        {
            return response;
        }

        ulong from;
        ulong to;
        if (request.RangeCase == GetHistoryRequest.RangeOneofCase.AfterSeq)
        {
            var wanted = request.AfterSeq + 1;
            if (wanted > upper)
            {
                return response;
            }

            response.Truncated = wanted < oldestKept;
            from = Math.Max(wanted, oldestKept);
            to = Math.Min(upper, from + limit - 1);
            response.More = to < upper;
        }
        else
        {
            var count = (ulong)(request.RangeCase == GetHistoryRequest.RangeOneofCase.Last && request.Last > 0 ? request.Last : o.DefaultHistoryLimit);
            var wanted = upper >= count ? upper - count + 1 : 1;
            response.Truncated = wanted < oldestKept;
            from = Math.Max(wanted, oldestKept);
            from = Math.Max(from, upper - Math.Min(upper, limit) + 1);
            to = upper;
        }

        for (var seq = from; seq <= to; seq++)
        {
            // Missing: the slot was not found when the room was loaded (lost with the store's data).
            if (room.History.Get(seq) is not { } stored)
            {
                response.Truncated |= seq < last;
                continue;
            }

            response.Messages.Add(new Contracts.Room.V1.RoomMessage
            {
                Id = stored.Id,
                Seq = stored.Seq,
                Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(stored.Timestamp)),
                UserId = stored.UserId,
                ContentJson = stored.ContentJson,
                Json = stored.Json ?? ServerMessageJson.ToJson(ToServerMessage(room.Id, stored)),
            });
        }

        metrics.HistoryReturned.Record(response.Messages.Count);
        if (response.Truncated)
        {
            metrics.HistoryTruncated.Add(1);
        }

        return response;
    }

    // A key this owner cannot have seen (used before it loaded the room) is looked up in the store. A
    // record is void unless the term that committed its seq wrote it: a fenced owner's last
    // transaction still writes its record (Redis does not roll back) for a seq that never committed.
    private async Task<RememberedKey?> FindStoredKeyAsync(OwnedRoom room, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (room.Keys.Covers(now))
        {
            return null;
        }

        metrics.IdempotencyLookups.Add(1);
        var record = await state.GetAsync<IdempotencyRecord>(StateKeys.RoomIdempotency(room.Id, key), cancellationToken);
        if (record is null || record.Seq == 0 || record.Seq > room.Head.Seq || record.Term != room.Head.TermOf(record.Seq))
        {
            return null;
        }

        room.Keys.Add(key, record.MessageId, record.Seq, record.Timestamp, now);
        return new RememberedKey(record.MessageId, record.Seq, record.Timestamp, Published: false, EdgesTargeted: 0);
    }

    // A repeat returns the first result; if the first call did not finish publishing, the repeat
    // publishes the same stored message again (edges and clients de-duplicate on its id).
    private async Task<PublishToRoomResponse> RepeatAsync(OwnedRoom room, string key, RememberedKey first, StoredMessage? unpublished, IReadOnlyList<string> edges, CancellationToken cancellationToken)
    {
        metrics.IdempotentRepeats.Add(1);
        var edgesTargeted = first.EdgesTargeted;
        if (unpublished is not null)
        {
            edgesTargeted = await DeliverAsync(room.Id, unpublished, edges, cancellationToken);
            room.Keys.MarkPublished(key, first.Seq, edgesTargeted);
        }

        return Response(first.MessageId, first.Seq, first.Timestamp, edgesTargeted);
    }

    private async Task<int> DeliverAsync(string roomId, StoredMessage message, IReadOnlyList<string> edges, CancellationToken cancellationToken)
    {
        var frame = ToServerMessage(roomId, message);
        try
        {
            // Every other member: the sender's other devices too, as the edge expands per user.
            await publisher.PublishAsync(edges, frame, d =>
            {
                d.RoomId = roomId;
                d.ExceptUserIds.Add(message.UserId);
            }, "message", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RoomLog.PublishFailed(logger, roomId, message.Seq, ex);
            throw new RpcException(new Status(StatusCode.Unavailable, $"message {message.Seq} of room '{roomId}' is stored but could not be published; retry with the same idempotency_key"));
        }

        metrics.MessageEdges.Record(edges.Count, new KeyValuePair<string, object?>("kind", "room"));
        return edges.Count;
    }

    // The edge renders the client frame from these fields; a record stored with its frame (before
    // that) is published from its fields too, which render to the same frame.
    private static ServerMessage ToServerMessage(string roomId, StoredMessage message) => new()
    {
        Id = message.Id,
        Type = "message",
        Seq = message.Seq,
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp)),
        RoomId = roomId,
        From = message.UserId,
        ContentJson = ByteString.CopyFromUtf8(message.ContentJson),
    };

    private static PublishToRoomResponse Response(string id, ulong seq, long timestamp, int edges) => new()
    {
        MessageId = id,
        Seq = seq,
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(timestamp)),
        EdgesTargeted = edges,
    };
}
