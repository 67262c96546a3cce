using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.Contracts.Presence.V1;
using Suite.Presence.Events;
using Suite.Presence.Memory;
using Suite.Presence.State;
using Suite.ServiceDefaults.PresenceCalls;
using Suite.ServiceDefaults.State;

namespace Suite.Presence.Users;

/// <summary>
/// Users' connections. A connection is written with its index slot in one transaction (the slot
/// first when a record must be created), so an ending lease always finds it; after writing, Connect
/// checks that the lease it used is still the edge's current one, and takes the connection back
/// otherwise, so nothing outlives its lease. Lookups are answered from memory while this process is
/// sure it is the only writer (see <see cref="ReplicaMembership"/>), else from the store.
/// </summary>
public sealed class UserPresence(
    UserRecords records,
    StateStore store,
    PresenceMemory memory,
    LeaseRegistry registry,
    EdgeIndex index,
    ReplicaMembership replicas,
    PresenceEvents events,
    ConnectionEvents lifecycle,
    PresenceMetrics metrics,
    PresenceWatches watches,
    TimeProvider time,
    ILogger<UserPresence> logger)
{
    public async Task<bool> ConnectAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        await replicas.EnsureAdmittedAsync(cancellationToken);
        var known = (await registry.ReadAsync(cancellationToken)).LiveLease(request.EdgeId, time.GetUtcNow()) ?? throw NoLease(request.EdgeId);
        var lease = await registry.JoinAsWriterAsync(known, time.GetUtcNow(), cancellationToken) ?? throw NoLease(request.EdgeId);

        ConnectOutcome outcome;
        using (var slot = await index.ReserveAsync(lease.LeaseId, request.ConnectionId, cancellationToken))
        {
            outcome = await records.UpdateAsync(request.UserId, user => Connect(user, request, lease, slot), cancellationToken);
            if (outcome.Written)
            {
                slot.Used();
            }
        }

        if (outcome.NewEdge)
        {
            // Confirmed only once no edge answers a lookup from what it knew before (presence.proto, "Watches").
            await watches.ChangedAsync(request.UserId, gainedEdge: true);
        }

        if (outcome.Added)
        {
            metrics.Connections.Add(1);
            lifecycle.Connected(request.UserId, outcome.Connection!, outcome.Version);
        }

        if (outcome.CameOnline)
        {
            metrics.OnlineUsers.Add(1);
            await events.UserChangedAsync(request.UserId, PresenceStatus.Online, outcome.Version, request.EdgeId);
        }

        var after = await registry.ReadAsync(cancellationToken);
        if (after.Edges.TryGetValue(request.EdgeId, out var current) && current.LeaseId == lease.LeaseId)
        {
            return outcome.CameOnline;
        }

        // The lease ended while we wrote, and its cleanup may have run before our write landed.
        await DropAsync(request.UserId, c => c.ConnectionId == request.ConnectionId && c.LeaseId == lease.LeaseId, ConnectionEvents.LeaseEnded, cancellationToken);
        throw NoLease(request.EdgeId);
    }

    public async Task<bool> DisconnectAsync(DisconnectRequest request, CancellationToken cancellationToken)
    {
        await replicas.EnsureAdmittedAsync(cancellationToken);
        var outcome = await DropAsync(request.UserId, c => c.ConnectionId == request.ConnectionId, request.Reason, cancellationToken);
        if (outcome.Removed == 0)
        {
            return false;
        }

        PresenceLog.Disconnected(logger, request.ConnectionId, request.UserId, outcome.EdgeId, request.Reason);
        return outcome.WentOffline;
    }

    /// <summary>Removes the user's connections recorded under an ended lease; returns how many.</summary>
    /// <param name="reason">The reason of their DISCONNECTED events (<see cref="ConnectionEvents.ReasonFor"/>).</param>
    public async Task<int> DropLeaseAsync(string userId, string leaseId, string reason, CancellationToken cancellationToken) =>
        (await DropAsync(userId, c => c.LeaseId == leaseId, reason, cancellationToken)).Removed;

    public async Task<LookupUsersResponse> LookupAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var distinct = userIds.Distinct(StringComparer.Ordinal).ToArray();
        var fromMemory = memory.IsSure;
        metrics.Lookups.Add(1, new KeyValuePair<string, object?>("source", fromMemory ? "memory" : "store"));
        EdgeRegistry edges;
        Func<string, UserRecord?> recordOf;
        if (fromMemory)
        {
            edges = memory.Registry;
            recordOf = memory.User;
        }
        else
        {
            var registryRead = registry.ReadAsync(cancellationToken, fromStore: true);
            var found = await store.GetManyAsync<UserRecord>(distinct.Select(StateKeys.User).ToArray(), cancellationToken);
            edges = await registryRead;
            recordOf = userId => found.GetValueOrDefault(StateKeys.User(userId));
        }

        var now = time.GetUtcNow();
        var response = new LookupUsersResponse();
        foreach (var userId in distinct)
        {
            var edgeIds = (recordOf(userId)?.Connections ?? [])
                .Where(c => edges.IsLive(c.EdgeId, c.LeaseId, now))
                .Select(c => c.EdgeId)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            if (edgeIds.Length > 0)
            {
                response.Users.Add(new UserEdges { UserId = userId, EdgeIds = { edgeIds } });
            }
        }

        return response;
    }

    public async Task<GetUserPresenceResponse> GetAsync(string userId, CancellationToken cancellationToken)
    {
        var registryRead = registry.ReadAsync(cancellationToken);
        var record = await store.GetAsync<UserRecord>(StateKeys.User(userId), cancellationToken);
        var edges = await registryRead;
        var now = time.GetUtcNow();

        var response = new GetUserPresenceResponse { UserId = userId, Version = record?.Version ?? 0 };
        foreach (var connection in (record?.Connections ?? []).Where(c => edges.IsLive(c.EdgeId, c.LeaseId, now)))
        {
            response.Connections.Add(new UserConnection
            {
                ConnectionId = connection.ConnectionId,
                EdgeId = connection.EdgeId,
                Attributes = new ConnectionAttributes { Tags = { connection.Tags }, Region = connection.Region, Platform = connection.Platform },
                ConnectedAt = connection.ConnectedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
            });
        }

        response.Online = response.Connections.Count > 0;
        if (!response.Online && record?.LastSeen is { } lastSeen)
        {
            response.LastSeen = Timestamp.FromDateTimeOffset(lastSeen);
        }

        return response;
    }

    private UserChange<ConnectOutcome> Connect(UserRecord user, ConnectRequest request, EdgeLeaseRecord lease, EdgeIndex.Slot slot)
    {
        var leaseId = lease.LeaseId;
        var existing = user.Connections.Find(c => c.ConnectionId == request.ConnectionId);
        if (existing is not null && existing.EdgeId == request.EdgeId && existing.LeaseId == leaseId)
        {
            return UserChange<ConnectOutcome>.Keep(new ConnectOutcome(false, false, false, user.Version));
        }

        var wasOnline = user.Connections.Count > 0;
        var newEdge = !user.Connections.Exists(c => c != existing && c.EdgeId == request.EdgeId && c.LeaseId == leaseId);
        if (existing is not null)
        {
            // A replay under a new lease of the same edge: the connection now belongs to that lease.
            user.Connections.Remove(existing);
        }

        var added = new ConnectionRecord
        {
            ConnectionId = request.ConnectionId,
            // The lease's copy of the edge id, one string for all of the edge's connections, rather
            // than the request's own copy kept with each of them.
            EdgeId = string.Equals(lease.EdgeId, request.EdgeId, StringComparison.Ordinal) ? lease.EdgeId : request.EdgeId,
            LeaseId = lease.LeaseId,
            Tags = request.Attributes is { Tags.Count: > 0 } attributes ? [.. attributes.Tags] : [],
            Region = request.Attributes?.Region ?? "",
            Platform = request.Attributes?.Platform ?? "",
            ConnectedAt = request.ConnectedAt?.ToDateTimeOffset() ?? time.GetUtcNow(),
        };
        added.IndexedIn(slot.CountKey, slot.Number);

        // The record is a fresh copy for every write (UserRecord.Copy) and is kept as written, so its
        // list is sized to what it holds: a first connection's list no longer grows to 4 places.
        user.Connections.Capacity = user.Connections.Count + 1;
        user.Connections.Add(added);
        user.Version++;
        if (!wasOnline)
        {
            user.LastSeen = null;
        }

        return new(true, new ConnectOutcome(true, existing is null, !wasOnline, user.Version, added, newEdge), slot.Changes(request.UserId, request.ConnectionId));
    }

    private async Task<RemoveOutcome> DropAsync(string userId, Predicate<ConnectionRecord> match, string reason, CancellationToken cancellationToken)
    {
        var outcome = await records.UpdateAsync(userId, user =>
        {
            var removed = user.Connections.FindAll(match);
            if (removed.Count == 0)
            {
                return UserChange<RemoveOutcome>.Keep(new RemoveOutcome(0, false, user.Version, "", [], []));
            }

            user.Connections.RemoveAll(match);

            // One version per removed connection, so each of their DISCONNECTED events has its own.
            user.Version += (ulong)removed.Count;
            var wentOffline = user.Connections.Count == 0;
            if (wentOffline)
            {
                user.LastSeen = time.GetUtcNow();
            }

            var slots = removed.Select(c => c.IndexKey).Where(key => key.Length > 0).ToArray();
            return new(true, new RemoveOutcome(removed.Count, wentOffline, user.Version, removed[0].EdgeId, slots, removed), slots.Select(key => StateChange.Delete(key)).ToArray());
        }, cancellationToken);

        foreach (var slot in outcome.Slots)
        {
            index.Free(slot);
        }

        if (outcome.Removed > 0)
        {
            // Edges that watch the user stop naming an edge it left; nothing to wait for (a message
            // sent to an edge the user left meanwhile finds no connection there, as before).
            _ = watches.ChangedAsync(userId, gainedEdge: false);
        }

        if (outcome.Removed > 0)
        {
            metrics.Connections.Add(-outcome.Removed);
            lifecycle.Disconnected(userId, outcome.Connections, outcome.Version, reason);
        }

        if (outcome.WentOffline)
        {
            metrics.OnlineUsers.Add(-1);
            await events.UserChangedAsync(userId, PresenceStatus.Offline, outcome.Version, outcome.EdgeId);
        }

        return outcome;
    }

    private static RpcException NoLease(string edgeId) =>
        new(new Status(StatusCode.FailedPrecondition, $"edge {edgeId} holds no live lease; RegisterEdge, then replay Connect"));
}
