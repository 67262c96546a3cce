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
    AccessAuthorizer authorizer,
    RoomLifecycleEvents lifecycle,
    RoomMetrics metrics,
    TimeProvider time,
    ILogger<RoomMembership> logger)
{
    // Bounds one group commit's transaction (each change writes a user record and maybe a shard).
    private const int MaxChangesPerCommit = 256;

    // The store work of a turn is not bound to the caller that happens to hold it: the others queued
    // in its batch must not fail because that one caller gave up.
    private static readonly TimeSpan TurnTimeout = TimeSpan.FromSeconds(10);

    public async Task<JoinResponse> JoinAsync(OwnedRoom room, JoinRequest request, CancellationToken cancellationToken)
    {
        authorizer.AuthorizeJoin(request.RoomId, request.TokenClaims);
        var lease = LeaseTag.From(request.EdgeIncarnation, request.LeaseGeneration);
        var outcome = await ChangeAsync(room, new MembershipChange(request.UserId, request.ConnectionId, request.EdgeId, lease), cancellationToken);
        if (outcome.Changed)
        {
            metrics.Joins.Add(1);
        }

        if (outcome.UserChanged)
        {
            Announce("user:joined", room.Id, request.UserId, outcome.Edges);
        }

        return new JoinResponse { UserJoined = outcome.UserChanged, MemberCount = outcome.MemberCount, LastSeq = outcome.LastSeq, Epoch = outcome.Epoch };
    }

    /// <param name="reason">For the LEFT lifecycle event; empty = a client's leave.</param>
    public async Task<LeaveResponse> LeaveAsync(OwnedRoom room, string userId, string connectionId, string reason, CancellationToken cancellationToken)
    {
        var outcome = await ChangeAsync(room, new MembershipChange(userId, connectionId, edgeId: null, reason: reason), cancellationToken);
        if (!outcome.Changed)
        {
            return new LeaveResponse { UserLeft = false };
        }

        metrics.Leaves.Add(1);
        if (outcome.UserChanged)
        {
            // The leaving connection's edge hears it too: the user's other members there see them go.
            var edges = outcome.LeftEdge is { } left && !outcome.Edges.Contains(left) ? [.. outcome.Edges, left] : outcome.Edges;
            Announce("user:left", room.Id, userId, edges);
        }

        return new LeaveResponse { UserLeft = outcome.UserChanged };
    }

    // Queues the change, then waits for a turn: a turn that finds its change already committed by an
    // earlier turn (which took every queued change) just returns that outcome.
    private async Task<MembershipOutcome> ChangeAsync(OwnedRoom room, MembershipChange change, CancellationToken cancellationToken)
    {
        room.Queue(change);
        IDisposable turn;
        try
        {
            turn = await room.EnterAsync(cancellationToken);
        }
        catch (Exception) when (!room.TryUnqueue(change))
        {
            // A turn took the change before this caller gave up: it stands or fails with that turn.
            return await change.Outcome.Task;
        }

        using (turn)
        {
            if (!change.Outcome.Task.IsCompleted)
            {
                await CommitQueuedAsync(room);
            }
        }

        return await change.Outcome.Task;
    }

    // Applies the queued changes in order to a staged copy of the users they touch, then commits the
    // users' final records in one transaction; every change's caller gets its own outcome.
    private async Task CommitQueuedAsync(OwnedRoom room)
    {
        var batch = room.TakeQueued(MaxChangesPerCommit);
        try
        {
            var staged = new Dictionary<string, RoomUser?>(StringComparer.Ordinal);
            var results = new (bool Changed, bool UserChanged, string? LeftEdge)[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var change = batch[i];
                var current = staged.TryGetValue(change.UserId, out var s) ? s : room.User(change.UserId);
                results[i] = Stage(change, current, out var next);
                if (!ReferenceEquals(next, current))
                {
                    staged[change.UserId] = next;
                }
            }

            using var timeout = new CancellationTokenSource(TurnTimeout, time);
            var edgesBefore = room.Edges();
            var users = staged.Select(u => (u.Key, u.Value, (room.User(u.Key) is null) != (u.Value is null))).ToList();
            if (users.Count > 0)
            {
                // The reverse record must list the room before the index does, or a dead edge could
                // keep receiving deliveries for a room it was not tracked in.
                foreach (var edge in staged.Values.SelectMany(u => (IEnumerable<string>?)u?.Connections.Values ?? []).Distinct().Where(e => room.ConnectionsOn(e) == 0))
                {
                    await indexes.TrackAsync(IndexKind.Room, room.Id, edge, timeout.Token);
                }

                var versionBefore = room.Head.MembershipVersion;
                await CommitUsersAsync(room, users, results.Count(r => r.Changed));
                metrics.MembershipCommits.Add(1);
                Published(room, batch, results, versionBefore);
                await UntrackIfGoneAsync(room, edgesBefore, timeout.Token);
            }

            var edges = room.Edges();
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Outcome.TrySetResult(new MembershipOutcome(results[i].Changed, results[i].UserChanged, results[i].LeftEdge, edges, room.MemberCount, room.Head.Seq, room.Head.Epoch));
            }
        }
        catch (Exception ex)
        {
            foreach (var change in batch)
            {
                change.Outcome.TrySetException(ex);
            }
        }
    }

    // Inside the turn, right after the commit: each changed connection's event with the version the
    // commit counted for it, in the order the changes were applied.
    private void Published(OwnedRoom room, List<MembershipChange> batch, (bool Changed, bool UserChanged, string? LeftEdge)[] results, ulong versionBefore)
    {
        var version = versionBefore;
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].Changed)
            {
                var change = batch[i];
                var joined = change.EdgeId is not null;
                lifecycle.Changed(room.Id, change.UserId, change.ConnectionId, change.EdgeId ?? results[i].LeftEdge ?? "", joined, change.Reason, results[i].UserChanged, ++version);
            }
        }
    }

    // One change against the user's record as the changes before it in the batch left it.
    private (bool Changed, bool UserChanged, string? LeftEdge) Stage(MembershipChange change, RoomUser? current, out RoomUser? next)
    {
        next = current;
        if (change.EdgeId is { } edgeId)
        {
            if (current?.Connections.ContainsKey(change.ConnectionId) == true)
            {
                // A repeat. The edge's replay after a lapsed lease records the lease it joins under
                // now, so a late end of the lapsed one cannot drop it; still no join, nothing announced.
                if (LeaseTag.Supersedes(change.Lease, current.LeaseOf(change.ConnectionId)))
                {
                    next = new RoomUser
                    {
                        JoinedAt = current.JoinedAt,
                        Connections = new Dictionary<string, string>(current.Connections, StringComparer.Ordinal),
                        Leases = RoomUser.LeasesWith(current, change.ConnectionId, change.Lease),
                    };
                }

                return (false, false, null);
            }

            next = new RoomUser
            {
                JoinedAt = current?.JoinedAt ?? time.GetUtcNow(),
                Connections = new Dictionary<string, string>(current?.Connections ?? [], StringComparer.Ordinal) { [change.ConnectionId] = edgeId },
                Leases = RoomUser.LeasesWith(current, change.ConnectionId, change.Lease),
            };
            return (true, current is null, null);
        }

        if (current is null || !current.Connections.TryGetValue(change.ConnectionId, out var leftEdge))
        {
            return (false, false, null);
        }

        var remaining = new Dictionary<string, string>(current.Connections, StringComparer.Ordinal);
        remaining.Remove(change.ConnectionId);
        next = remaining.Count == 0 ? null : new RoomUser { JoinedAt = current.JoinedAt, Connections = remaining, Leases = current.LeasesWithout([change.ConnectionId]) };
        return (true, next is null, leftEdge);
    }

    /// <summary>
    /// Removes the connections an ended lease of an edge covers from the room (<paramref name="ended"/>
    /// null: every connection of the edge); users left with none get <c>user:left</c>.
    /// </summary>
    /// <param name="reason">For the LEFT lifecycle events (<see cref="RoomLifecycleEvents.ReasonFor"/>); empty = edge_lease_expired.</param>
    public async Task<DropEdgeResponse> DropEdgeAsync(OwnedRoom room, string edgeId, LeaseTag? ended, string reason, CancellationToken cancellationToken)
    {
        var removed = 0;
        List<string> left = [];
        IReadOnlyList<string> edges;
        using (await room.EnterAsync(cancellationToken))
        {
            var changes = new List<(string UserId, RoomUser? Next, bool ShardChanges)>();
            var droppedConnections = new List<(string UserId, string ConnectionId, bool Gone)>();
            foreach (var (userId, user) in room.UsersOn(edgeId).ToList())
            {
                var dropped = user.Connections.Where(c => c.Value == edgeId && LeaseTag.Covers(ended, user.LeaseOf(c.Key))).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
                if (dropped.Count == 0)
                {
                    continue;
                }

                var next = new RoomUser
                {
                    JoinedAt = user.JoinedAt,
                    Connections = user.Connections.Where(c => !dropped.Contains(c.Key)).ToDictionary(StringComparer.Ordinal),
                    Leases = user.LeasesWithout(dropped),
                };
                removed += dropped.Count;
                var gone = next.Connections.Count == 0;
                changes.Add((userId, gone ? null : next, gone));
                // Like a leave: only the connection that takes the user's last one away marks the user gone.
                var ordered = dropped.Order(StringComparer.Ordinal).ToList();
                droppedConnections.AddRange(ordered.Select((c, i) => (userId, c, gone && i == ordered.Count - 1)));
                if (gone)
                {
                    left.Add(userId);
                }
            }

            if (changes.Count > 0)
            {
                var version = room.Head.MembershipVersion;
                await CommitUsersAsync(room, changes, droppedConnections.Count);
                foreach (var (userId, connectionId, gone) in droppedConnections)
                {
                    lifecycle.Changed(room.Id, userId, connectionId, edgeId, joined: false, reason.Length > 0 ? reason : RoomLifecycleEvents.EdgeLeaseExpired, gone, ++version);
                }
            }

            await UntrackIfGoneAsync(room, [edgeId], cancellationToken);
            edges = room.Edges();
        }

        foreach (var userId in left)
        {
            Announce("user:left", room.Id, userId, edges);
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
    // The head carries the membership version counted up by one per changed connection.
    private async Task CommitUsersAsync(OwnedRoom room, IReadOnlyList<(string UserId, RoomUser? Next, bool ShardChanges)> users, int changedConnections)
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

        var head = changedConnections == 0 ? room.Head : room.Head.WithMembershipVersion(room.Head.MembershipVersion + (ulong)changedConnections);
        await writer.CommitAsync(room, head, changes);
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
    // logged rather than failing a Join that a retry would then treat as already done. The caller's
    // reply does not wait for the publish (two sidecar round trips when the edge's topic is busy,
    // a third of a join's time): the event is queued per edge topic before this returns, so
    // everything the room publishes after the reply still reaches each edge after it.
    private void Announce(string type, string roomId, string userId, IReadOnlyList<string> edges) =>
        _ = AnnounceAsync(type, roomId, userId, edges);

    private async Task AnnounceAsync(string type, string roomId, string userId, IReadOnlyList<string> edges)
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
            await publisher.PublishAsync(edges, message, d => d.RoomId = roomId, type, CancellationToken.None);
        }
        catch (Exception ex)
        {
            RoomLog.MembershipEventFailed(logger, type, roomId, ex);
        }
    }
}
