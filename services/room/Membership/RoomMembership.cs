using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.Room.Fanout;
using Suite.Room.Messaging;
using Suite.Room.Owners;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Membership;

/// <summary>
/// Room membership per connection on the room's owner: checked and changed in memory, each change
/// committed as one transaction (the user's record, the room's edge counts, the user's member shard),
/// and <c>user:joined</c> / <c>user:left</c> for a user's first and last connection.
/// </summary>
internal sealed class RoomMembership(
    RoomWriter writer,
    EdgeIndexes indexes,
    EdgePublisher publisher,
    JoinAuthorizer authorizer,
    RoomMetrics metrics,
    TimeProvider time,
    ILogger<RoomMembership> logger)
{
    public async Task<JoinResponse> JoinAsync(OwnedRoom room, JoinRequest request, CancellationToken cancellationToken)
    {
        authorizer.Authorize(request.RoomId, request.TokenClaims);
        bool first;
        IReadOnlyList<string> edges;
        using (await room.EnterAsync(cancellationToken))
        {
            var current = room.User(request.UserId);
            if (current?.Connections.ContainsKey(request.ConnectionId) == true)
            {
                return Joined(room, userJoined: false);
            }

            first = current is null;
            var next = new RoomUser
            {
                JoinedAt = current?.JoinedAt ?? time.GetUtcNow(),
                Connections = new Dictionary<string, string>(current?.Connections ?? [], StringComparer.Ordinal) { [request.ConnectionId] = request.EdgeId },
            };

            // The reverse record must list the room before the index does, or a dead edge could keep
            // receiving deliveries for a room it was not tracked in.
            if (room.ConnectionsOn(request.EdgeId) == 0)
            {
                await indexes.TrackAsync(IndexKind.Room, room.Id, request.EdgeId, cancellationToken);
            }

            await CommitUsersAsync(room, [(request.UserId, next, first)]);
            edges = room.Edges();
        }

        metrics.Joins.Add(1);
        if (first)
        {
            await AnnounceAsync("user:joined", room.Id, request.UserId, edges, cancellationToken);
        }

        return Joined(room, first);
    }

    public async Task<LeaveResponse> LeaveAsync(OwnedRoom room, string userId, string connectionId, CancellationToken cancellationToken)
    {
        string? edgeId;
        RoomUser? next;
        IReadOnlyList<string> edges;
        using (await room.EnterAsync(cancellationToken))
        {
            var current = room.User(userId);
            if (current is null || !current.Connections.TryGetValue(connectionId, out edgeId))
            {
                return new LeaveResponse { UserLeft = false };
            }

            next = new RoomUser { JoinedAt = current.JoinedAt, Connections = new Dictionary<string, string>(current.Connections, StringComparer.Ordinal) };
            next.Connections.Remove(connectionId);
            next = next.Connections.Count == 0 ? null : next;
            await CommitUsersAsync(room, [(userId, next, next is null)]);
            await UntrackIfGoneAsync(room, [edgeId], cancellationToken);
            edges = room.Edges();
        }

        metrics.Leaves.Add(1);
        if (next is null)
        {
            // The leaving connection's edge hears it too: the user's other members there see them go.
            await AnnounceAsync("user:left", room.Id, userId, edges.Contains(edgeId) ? edges : [.. edges, edgeId], cancellationToken);
        }

        return new LeaveResponse { UserLeft = next is null };
    }

    /// <summary>Removes every connection an edge that is gone had in the room; users left with none get <c>user:left</c>.</summary>
    public async Task<DropEdgeResponse> DropEdgeAsync(OwnedRoom room, string edgeId, CancellationToken cancellationToken)
    {
        var removed = 0;
        List<string> left = [];
        IReadOnlyList<string> edges;
        using (await room.EnterAsync(cancellationToken))
        {
            var changes = new List<(string UserId, RoomUser? Next, bool ShardChanges)>();
            foreach (var (userId, user) in room.UsersOn(edgeId).ToList())
            {
                var next = new RoomUser { JoinedAt = user.JoinedAt, Connections = user.Connections.Where(c => c.Value != edgeId).ToDictionary(StringComparer.Ordinal) };
                removed += user.Connections.Count - next.Connections.Count;
                var gone = next.Connections.Count == 0;
                changes.Add((userId, gone ? null : next, gone));
                if (gone)
                {
                    left.Add(userId);
                }
            }

            if (changes.Count > 0)
            {
                await CommitUsersAsync(room, changes);
            }

            await UntrackIfGoneAsync(room, [edgeId], cancellationToken);
            edges = room.Edges();
        }

        foreach (var userId in left)
        {
            await AnnounceAsync("user:left", room.Id, userId, edges, cancellationToken);
        }

        return new DropEdgeResponse { ConnectionsRemoved = removed };
    }

    public ListMembersResponse ListMembers(OwnedRoom room, ListMembersRequest request, PageToken start, int pageSize)
    {
        var response = new ListMembersResponse { MemberCount = room.MemberCount };
        for (var shard = start.Shard; shard < room.ShardCount; shard++)
        {
            foreach (var userId in room.ShardMembers(shard))
            {
                if (shard == start.Shard && string.CompareOrdinal(userId, start.After) <= 0)
                {
                    continue;
                }

                var user = room.User(userId)!;
                response.Members.Add(new RoomMember { UserId = userId, Connections = user.Connections.Count, JoinedAt = Timestamp.FromDateTimeOffset(user.JoinedAt) });
                if (response.Members.Count == pageSize)
                {
                    response.NextPageToken = new PageToken(shard, userId).Encode();
                    return response;
                }
            }
        }

        return response;
    }

    public static EdgesResponse Edges(IEnumerable<KeyValuePair<string, int>> counts)
    {
        var response = new EdgesResponse();
        foreach (var (edge, count) in counts.Where(e => e.Value > 0).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            response.Edges.Add(new EdgeMembers { EdgeId = edge, Connections = count });
        }

        return response;
    }

    private static JoinResponse Joined(OwnedRoom room, bool userJoined) =>
        new() { UserJoined = userJoined, MemberCount = room.MemberCount, LastSeq = room.Head.Seq, Epoch = room.Head.Epoch };

    // One transaction for the users' records, the edge counts after the change and every member shard
    // whose users change; memory follows only once it committed.
    private async Task CommitUsersAsync(OwnedRoom room, IReadOnlyList<(string UserId, RoomUser? Next, bool ShardChanges)> users)
    {
        var changes = new List<StateChange>();
        var after = room.IndexRecord();
        var shards = new Dictionary<int, SortedSet<string>>();
        foreach (var (userId, next, shardChanges) in users)
        {
            foreach (var edge in (IEnumerable<string>?)room.User(userId)?.Connections.Values ?? [])
            {
                after.Edges[edge] -= 1;
            }

            foreach (var edge in (IEnumerable<string>?)next?.Connections.Values ?? [])
            {
                after.Edges[edge] = after.Edges.GetValueOrDefault(edge) + 1;
            }

            after.Users += (room.User(userId) is null ? 0 : -1) + (next is null ? 0 : 1);
            var userKey = StateKeys.RoomUser(room.Id, userId);
            changes.Add(next is null ? StateChange.Delete(userKey) : StateChange.Upsert(userKey, next));
            if (shardChanges)
            {
                var shard = room.ShardOf(userId);
                if (!shards.TryGetValue(shard, out var members))
                {
                    shards[shard] = members = new SortedSet<string>(room.ShardMembers(shard), StringComparer.Ordinal);
                }

                _ = next is null ? members.Remove(userId) : members.Add(userId);
            }
        }

        foreach (var edge in after.Edges.Where(e => e.Value <= 0).Select(e => e.Key).ToList())
        {
            after.Edges.Remove(edge);
        }

        changes.Add(StateChange.Upsert(StateKeys.RoomEdges(room.Id), after));
        foreach (var (shard, members) in shards)
        {
            var shardKey = StateKeys.RoomMembers(room.Id, shard);
            changes.Add(members.Count == 0 ? StateChange.Delete(shardKey) : StateChange.Upsert(shardKey, new MemberShard { Users = [.. members] }));
        }

        await writer.CommitAsync(room, room.Head, changes);
        foreach (var (userId, next, _) in users)
        {
            room.SetUser(userId, next);
        }
    }

    private async Task UntrackIfGoneAsync(OwnedRoom room, IEnumerable<string> edges, CancellationToken cancellationToken)
    {
        foreach (var edge in edges)
        {
            if (room.ConnectionsOn(edge) == 0)
            {
                await indexes.UntrackAsync(IndexKind.Room, room.Id, edge, cancellationToken);
            }
        }
    }

    // Membership events are notices: the change is recorded either way, so a failed publish is
    // logged rather than failing a Join that a retry would then treat as already done.
    private async Task AnnounceAsync(string type, string roomId, string userId, IReadOnlyList<string> edges, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var message = new ServerMessage
        {
            Id = MessageIds.New(),
            Type = type,
            Timestamp = Timestamp.FromDateTimeOffset(now),
            UserId = userId,
            RoomId = roomId,
        };
        try
        {
            await publisher.PublishAsync(edges, message, d => d.RoomId = roomId, type, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RoomLog.MembershipEventFailed(logger, type, roomId, ex);
        }
    }
}
