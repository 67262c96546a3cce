using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.Room.Fanout;
using Suite.Room.Messaging;
using Suite.Room.State;

namespace Suite.Room.Membership;

/// <summary>
/// Room membership per connection: the user's record, the room's edge counts, the member shards, and
/// <c>user:joined</c> / <c>user:left</c> for a user's first and last connection.
/// </summary>
internal sealed class RoomMembership(
    StateStore state,
    EdgeIndexes indexes,
    EdgePublisher publisher,
    JoinAuthorizer authorizer,
    IOptions<RoomOptions> options,
    RoomMetrics metrics,
    TimeProvider time,
    ILogger<RoomMembership> logger)
{
    public async Task<JoinResponse> JoinAsync(JoinRequest request, CancellationToken cancellationToken)
    {
        authorizer.Authorize(request.RoomId, request.TokenClaims);
        var now = time.GetUtcNow();
        var userKey = StateKeys.RoomUser(request.RoomId, request.UserId);
        var alreadyIn = false;
        var first = false;
        await state.UpdateAsync<RoomUser>(userKey, "user", current =>
        {
            alreadyIn = current?.Connections.ContainsKey(request.ConnectionId) == true;
            if (alreadyIn)
            {
                return (current, false);
            }

            var next = current ?? new RoomUser();
            first = next.Connections.Count == 0;
            if (first)
            {
                next.JoinedAt = now;
            }

            next.Connections[request.ConnectionId] = request.EdgeId;
            return (next, true);
        }, cancellationToken);

        if (alreadyIn)
        {
            var index = await indexes.ReadAsync(IndexKind.Room, request.RoomId, cancellationToken);
            return new JoinResponse { UserJoined = false, MemberCount = index.Users, LastSeq = await LastSeqAsync(request.RoomId, cancellationToken) };
        }

        IndexChange change;
        try
        {
            change = await indexes.ChangeAsync(IndexKind.Room, request.RoomId, request.EdgeId, +1, first ? 1 : 0, cancellationToken);
            if (first)
            {
                await UpdateShardAsync(request.RoomId, request.UserId, add: true, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            // Without the undo a retried Join would find the connection recorded and never count it.
            RoomLog.JoinUndone(logger, request.ConnectionId, request.RoomId, ex);
            await UndoJoinAsync(userKey, request.ConnectionId);
            throw;
        }

        metrics.Joins.Add(1);
        if (first)
        {
            await AnnounceAsync("user:joined", request.RoomId, request.UserId, change.LiveEdges, cancellationToken);
        }

        return new JoinResponse { UserJoined = first, MemberCount = change.Index.Users, LastSeq = await LastSeqAsync(request.RoomId, cancellationToken) };
    }

    public async Task<LeaveResponse> LeaveAsync(string roomId, string userId, string connectionId, CancellationToken cancellationToken)
    {
        string? edgeId = null;
        var last = false;
        await state.UpdateAsync<RoomUser>(StateKeys.RoomUser(roomId, userId), "user", current =>
        {
            edgeId = null;
            last = false;
            if (current is null || !current.Connections.Remove(connectionId, out var edge))
            {
                return (current, false);
            }

            edgeId = edge;
            last = current.Connections.Count == 0;
            return (last ? null : current, true);
        }, cancellationToken);

        if (edgeId is null)
        {
            return new LeaveResponse { UserLeft = false };
        }

        var change = await indexes.ChangeAsync(IndexKind.Room, roomId, edgeId, -1, last ? -1 : 0, cancellationToken);
        metrics.Leaves.Add(1);
        if (last)
        {
            await UpdateShardAsync(roomId, userId, add: false, cancellationToken);
            // The leaving connection's edge hears it too: the user's other members there see them go.
            var edges = change.LiveEdges.Contains(edgeId) ? change.LiveEdges : [.. change.LiveEdges, edgeId];
            await AnnounceAsync("user:left", roomId, userId, edges, cancellationToken);
        }

        return new LeaveResponse { UserLeft = last };
    }

    public async Task<ListMembersResponse> ListMembersAsync(ListMembersRequest request, PageToken start, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var pageSize = request.PageSize <= 0 ? o.DefaultPageSize : Math.Min(request.PageSize, o.MaxPageSize);
        var users = new List<string>(pageSize);
        PageToken? next = null;
        const int ShardsPerRead = 16;
        for (var shard = start.Shard; shard < o.MemberShards && next is null; shard += ShardsPerRead)
        {
            var keys = Enumerable.Range(shard, Math.Min(ShardsPerRead, o.MemberShards - shard)).Select(s => StateKeys.RoomMembers(request.RoomId, s)).ToList();
            var shards = await state.GetManyAsync<MemberShard>(keys, cancellationToken);
            for (var s = shard; s < shard + keys.Count && next is null; s++)
            {
                if (!shards.TryGetValue(StateKeys.RoomMembers(request.RoomId, s), out var members))
                {
                    continue;
                }

                foreach (var user in members.Users)
                {
                    if (s == start.Shard && string.CompareOrdinal(user, start.After) <= 0)
                    {
                        continue;
                    }

                    users.Add(user);
                    if (users.Count == pageSize)
                    {
                        next = new PageToken(s, user);
                        break;
                    }
                }
            }
        }

        var records = await state.GetManyAsync<RoomUser>(users.Select(u => StateKeys.RoomUser(request.RoomId, u)).ToList(), cancellationToken);
        var index = await indexes.ReadAsync(IndexKind.Room, request.RoomId, cancellationToken);
        var response = new ListMembersResponse { MemberCount = index.Users, NextPageToken = next?.Encode() ?? "" };
        foreach (var user in users)
        {
            if (records.TryGetValue(StateKeys.RoomUser(request.RoomId, user), out var record) && record.Connections.Count > 0)
            {
                response.Members.Add(new RoomMember { UserId = user, Connections = record.Connections.Count, JoinedAt = Timestamp.FromDateTimeOffset(record.JoinedAt) });
            }
        }

        return response;
    }

    public async Task<EdgesResponse> GetEdgesAsync(IndexKind kind, string id, CancellationToken cancellationToken)
    {
        var index = await indexes.ReadAsync(kind, id, cancellationToken);
        var response = new EdgesResponse();
        foreach (var (edge, count) in index.Edges.Where(e => e.Value > 0).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            response.Edges.Add(new EdgeMembers { EdgeId = edge, Connections = count });
        }

        return response;
    }

    private async Task<ulong> LastSeqAsync(string roomId, CancellationToken cancellationToken) =>
        (await state.GetAsync<RoomHead>(StateKeys.RoomHead(roomId), cancellationToken))?.Seq ?? 0;

    private Task UpdateShardAsync(string roomId, string userId, bool add, CancellationToken cancellationToken) =>
        state.UpdateAsync<MemberShard>(StateKeys.RoomMembers(roomId, MemberShards.Of(userId, options.Value.MemberShards)), "members", current =>
        {
            var next = current ?? new MemberShard();
            var at = next.Users.BinarySearch(userId, StringComparer.Ordinal);
            if (add == at >= 0)
            {
                return (next, false);
            }

            if (add)
            {
                next.Users.Insert(~at, userId);
            }
            else
            {
                next.Users.RemoveAt(at);
            }

            return (next.Users.Count == 0 ? null : next, true);
        }, cancellationToken);

    private async Task UndoJoinAsync(string userKey, string connectionId)
    {
        try
        {
            await state.UpdateAsync<RoomUser>(userKey, "user", current =>
                current is not null && current.Connections.Remove(connectionId)
                    ? (current.Connections.Count == 0 ? null : current, true)
                    : (current, false), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RoomLog.JoinUndone(logger, connectionId, userKey, ex);
        }
    }

    // Membership events are notices: the change is recorded either way, so a failed publish is
    // logged rather than failing a Join that a retry would then treat as already done.
    private async Task AnnounceAsync(string type, string roomId, string userId, IReadOnlyList<string> edges, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = RoomFrames.NewId();
        var message = new ServerMessage
        {
            Id = id,
            Type = type,
            Timestamp = Timestamp.FromDateTimeOffset(now),
            Json = RoomFrames.Membership(type, userId, roomId, now.ToUnixTimeMilliseconds(), id),
        };
        try
        {
            await publisher.PublishAsync(edges.ToList(), message, d => d.RoomId = roomId, type, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RoomLog.MembershipEventFailed(logger, type, roomId, ex);
        }
    }
}
