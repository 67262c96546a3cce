using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.Room.Fanout;
using Suite.Room.State;

namespace Suite.Room.Messaging;

/// <summary>
/// Room messages: membership check, the next seq (ETag increment on the room head, which also holds
/// the message), the history ring, then one delivery per hosting edge; and history reads for resume.
/// </summary>
internal sealed class RoomMessaging(
    StateStore state,
    EdgeIndexes indexes,
    EdgePublisher publisher,
    IOptions<RoomOptions> options,
    RoomMetrics metrics,
    TimeProvider time,
    ILogger<RoomMessaging> logger)
{
    public async Task<PublishToRoomResponse> PublishAsync(PublishToRoomRequest request, CancellationToken cancellationToken)
    {
        // The member record and the room's edge index do not depend on each other: read them at once,
        // so the latency of a message is two store round trips (reads, then the head) before publishing.
        var memberRead = state.GetAsync<RoomUser>(StateKeys.RoomUser(request.RoomId, request.UserId), cancellationToken);
        var indexRead = indexes.ReadAsync(IndexKind.Room, request.RoomId, cancellationToken);
        var member = await memberRead;
        var index = await indexRead;
        if (member is null || !member.Connections.ContainsKey(request.ConnectionId))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"connection '{request.ConnectionId}' of user '{request.UserId}' has not joined room '{request.RoomId}'"));
        }

        var now = time.GetUtcNow();
        var id = RoomFrames.NewId();
        var timestamp = now.ToUnixTimeMilliseconds();
        string? idempotencyKey = null;
        if (request.IdempotencyKey.Length > 0)
        {
            idempotencyKey = StateKeys.RoomIdempotency(request.RoomId, request.IdempotencyKey);
            var claim = await ClaimAsync(idempotencyKey, id, timestamp, now, cancellationToken);
            if (claim.Seq > 0)
            {
                return await RepeatAsync(request, idempotencyKey, claim, cancellationToken);
            }

            (id, timestamp) = (claim.MessageId, claim.Timestamp);
        }

        var (message, slotsWritten) = await AppendAsync(request, id, timestamp, cancellationToken);
        if (idempotencyKey is not null)
        {
            await SaveRecordAsync(idempotencyKey, Record(message, published: false, edges: 0, now), cancellationToken);
        }

        // The head already holds the message (history reads fall back to it), so the ring slots are
        // written while it is published; the call returns only when both are done.
        var delivering = DeliverAsync(request.RoomId, message, index, cancellationToken);
        await Task.WhenAll(delivering, slotsWritten);
        var edges = await delivering;
        if (idempotencyKey is not null)
        {
            await SaveRecordAsync(idempotencyKey, Record(message, published: true, edges, now), cancellationToken);
        }

        return Response(message.Id, message.Seq, message.Timestamp, edges);
    }

    public async Task<GetHistoryResponse> GetHistoryAsync(GetHistoryRequest request, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var head = await state.GetAsync<RoomHead>(StateKeys.RoomHead(request.RoomId), cancellationToken) ?? new RoomHead();
        var last = head.Seq;
        var oldestKept = last > (ulong)o.HistorySize ? last - (ulong)o.HistorySize + 1 : 1;
        var limit = (ulong)(request.Limit <= 0 ? o.DefaultHistoryLimit : Math.Min(request.Limit, o.MaxHistoryLimit));
        var response = new GetHistoryResponse { LastSeq = last };
        if (last == 0)
        {
            return response;
        }

        ulong from;
        ulong to;
        if (request.RangeCase == GetHistoryRequest.RangeOneofCase.AfterSeq)
        {
            var wanted = request.AfterSeq + 1;
            if (wanted > last)
            {
                return response;
            }

            response.Truncated = wanted < oldestKept;
            from = Math.Max(wanted, oldestKept);
            to = Math.Min(last, from + limit - 1);
            response.More = to < last;
        }
        else
        {
            var count = (ulong)(request.RangeCase == GetHistoryRequest.RangeOneofCase.Last && request.Last > 0 ? request.Last : o.DefaultHistoryLimit);
            var wanted = last >= count ? last - count + 1 : 1;
            response.Truncated = wanted < oldestKept;
            from = Math.Max(wanted, oldestKept);
            from = Math.Max(from, last - Math.Min(last, limit) + 1);
            to = last;
        }

        var keys = new List<string>();
        for (var seq = from; seq <= to; seq++)
        {
            keys.Add(StateKeys.RoomHistory(request.RoomId, seq, o.HistorySize));
        }

        var slots = await state.GetManyAsync<StoredMessage>(keys, cancellationToken);
        for (var seq = from; seq <= to; seq++)
        {
            // A slot holding another seq was overwritten by a newer lap of the ring (or its write
            // failed); the head still holds the newest message.
            var stored = slots.TryGetValue(StateKeys.RoomHistory(request.RoomId, seq, o.HistorySize), out var slot) && slot.Seq == seq
                ? slot
                : head.Last?.Seq == seq ? head.Last : null;
            if (stored is null)
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
                Json = stored.Json,
            });
        }

        metrics.HistoryReturned.Record(response.Messages.Count);
        if (response.Truncated)
        {
            metrics.HistoryTruncated.Add(1);
        }

        return response;
    }

    // The first call with a key claims it; a concurrent or later call reads what the first stored.
    private async Task<IdempotencyRecord> ClaimAsync(string key, string id, long timestamp, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var window = options.Value.IdempotencyWindow;
        var mine = new IdempotencyRecord { MessageId = id, Timestamp = timestamp, ClaimedAt = now };
        for (var attempt = 1; attempt <= options.Value.MaxConcurrencyRetries; attempt++)
        {
            var (existing, etag) = await state.ReadAsync<IdempotencyRecord>(key, cancellationToken);
            if (existing is null)
            {
                if (await state.TryWriteAsync(key, mine, "", cancellationToken, window))
                {
                    return mine;
                }

                continue;
            }

            if (existing.Seq > 0)
            {
                return existing;
            }

            if (now - existing.ClaimedAt < options.Value.IdempotencyClaimTimeout)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"a publish with idempotency_key '{key}' is in progress; retry"));
            }

            // The claimer died before storing: take the claim over, keeping its id.
            existing.ClaimedAt = now;
            if (await state.TryWriteAsync(key, existing, etag, cancellationToken, window))
            {
                return existing;
            }
        }

        throw new ConcurrencyExhaustedException(key, options.Value.MaxConcurrencyRetries);
    }

    // A repeat returns the first result; if the first call stored but did not finish publishing, the
    // repeat publishes the same stored frame again (edges and clients de-duplicate on its id).
    private async Task<PublishToRoomResponse> RepeatAsync(PublishToRoomRequest request, string key, IdempotencyRecord first, CancellationToken cancellationToken)
    {
        metrics.IdempotentRepeats.Add(1);
        if (first.Published)
        {
            return Response(first.MessageId, first.Seq, first.Timestamp, first.EdgesTargeted);
        }

        var stored = await FindStoredAsync(request.RoomId, first.Seq, cancellationToken);
        var edges = 0;
        if (stored is not null && stored.Id == first.MessageId)
        {
            edges = await DeliverAsync(request.RoomId, stored, await indexes.ReadAsync(IndexKind.Room, request.RoomId, cancellationToken), cancellationToken);
            first.Published = true;
            first.EdgesTargeted = edges;
            await SaveRecordAsync(key, first, cancellationToken);
        }

        return Response(first.MessageId, first.Seq, first.Timestamp, edges);
    }

    /// <summary>Takes the next seq on the room head (which holds the message); returns it and the still running write of the history slots.</summary>
    private async Task<(StoredMessage Message, Task SlotsWritten)> AppendAsync(PublishToRoomRequest request, string id, long timestamp, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var headKey = StateKeys.RoomHead(request.RoomId);
        using var turn = await state.TurnAsync(headKey, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var (head, etag) = await state.ReadAsync<RoomHead>(headKey, cancellationToken);
            var previous = head?.Last;
            var seq = (head?.Seq ?? 0) + 1;
            var message = new StoredMessage
            {
                Id = id,
                Seq = seq,
                Timestamp = timestamp,
                UserId = request.UserId,
                ContentJson = request.ContentJson,
                Json = RoomFrames.Message(request.RoomId, request.UserId, request.ContentJson, seq, timestamp, id),
            };
            if (await state.TryWriteAsync(headKey, new RoomHead { Seq = seq, Last = message }, head is null ? "" : etag, cancellationToken))
            {
                // The previous message's slot is written again in case its own publish died between
                // the head and the slot; the ring then never has a hole below the head.
                var slots = new List<(string, object)> { (StateKeys.RoomHistory(request.RoomId, seq, o.HistorySize), message) };
                if (previous is not null && o.HistorySize > 1)
                {
                    slots.Add((StateKeys.RoomHistory(request.RoomId, previous.Seq, o.HistorySize), previous));
                }

                metrics.Messages.Add(1);
                return (message, state.WriteManyAsync(slots, cancellationToken));
            }

            metrics.ConcurrencyConflicts.Add(1, new KeyValuePair<string, object?>("kind", "seq"));
            if (attempt >= o.MaxConcurrencyRetries)
            {
                throw new ConcurrencyExhaustedException(headKey, attempt);
            }

            await state.BackoffAsync(attempt, cancellationToken);
        }
    }

    private async Task<StoredMessage?> FindStoredAsync(string roomId, ulong seq, CancellationToken cancellationToken)
    {
        var slot = await state.GetAsync<StoredMessage>(StateKeys.RoomHistory(roomId, seq, options.Value.HistorySize), cancellationToken);
        if (slot?.Seq == seq)
        {
            return slot;
        }

        var head = await state.GetAsync<RoomHead>(StateKeys.RoomHead(roomId), cancellationToken);
        return head?.Last?.Seq == seq ? head.Last : null;
    }

    private async Task<int> DeliverAsync(string roomId, StoredMessage message, EdgeIndex index, CancellationToken cancellationToken)
    {
        var edges = index.Edges.Where(e => e.Value > 0).Select(e => e.Key).ToList();
        var frame = new ServerMessage
        {
            Id = message.Id,
            Type = "message",
            Seq = message.Seq,
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(message.Timestamp)),
            Json = message.Json,
        };
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

    // Through the ETag: a key created with first-write concurrency refuses etag-less saves on Redis.
    private Task SaveRecordAsync(string key, IdempotencyRecord record, CancellationToken cancellationToken) =>
        state.UpdateAsync<IdempotencyRecord>(key, "idempotency", _ => (record, true), cancellationToken, options.Value.IdempotencyWindow);

    private static IdempotencyRecord Record(StoredMessage message, bool published, int edges, DateTimeOffset now) => new()
    {
        MessageId = message.Id,
        Timestamp = message.Timestamp,
        Seq = message.Seq,
        Published = published,
        EdgesTargeted = edges,
        ClaimedAt = now,
    };

    private static PublishToRoomResponse Response(string id, ulong seq, long timestamp, int edges) => new()
    {
        MessageId = id,
        Seq = seq,
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(timestamp)),
        EdgesTargeted = edges,
    };
}
