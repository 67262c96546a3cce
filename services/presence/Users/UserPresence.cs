using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Presence.Events;
using Suite.Presence.State;

namespace Suite.Presence.Users;

/// <summary>
/// Users' connections. A connection is written to its edge's index before the user's record, so an
/// ending lease always finds it; after writing, Connect checks that the lease it used is still the
/// edge's current one, and takes the connection back otherwise, so nothing outlives its lease.
/// </summary>
public sealed class UserPresence(
    PresenceState state,
    PresenceEvents events,
    PresenceMetrics metrics,
    IOptions<PresenceOptions> options,
    TimeProvider time,
    ILogger<UserPresence> logger)
{
    public async Task<bool> ConnectAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        var registry = await state.ReadRegistryAsync(cancellationToken);
        var lease = registry.LiveLease(request.EdgeId, time.GetUtcNow()) ?? throw NoLease(request.EdgeId);

        await SetIndexEntryAsync(request.EdgeId, request.ConnectionId, new EdgeIndexEntry { UserId = request.UserId, LeaseId = lease.LeaseId }, cancellationToken);
        var outcome = await state.UpdateAsync<UserRecord, ConnectOutcome>(StateKeys.User(request.UserId), "user", user =>
        {
            var existing = user.Connections.Find(c => c.ConnectionId == request.ConnectionId);
            if (existing is not null && existing.EdgeId == request.EdgeId && existing.LeaseId == lease.LeaseId)
            {
                return Update<ConnectOutcome>.Keep(new ConnectOutcome(false, false, user.Version));
            }

            var wasOnline = user.Connections.Count > 0;
            if (existing is not null)
            {
                // A replay under a new lease of the same edge: the connection now belongs to that lease.
                user.Connections.Remove(existing);
            }

            user.Connections.Add(new ConnectionRecord
            {
                ConnectionId = request.ConnectionId,
                EdgeId = request.EdgeId,
                LeaseId = lease.LeaseId,
                Tags = [.. request.Attributes?.Tags ?? []],
                Region = request.Attributes?.Region ?? "",
                Platform = request.Attributes?.Platform ?? "",
                ConnectedAt = request.ConnectedAt?.ToDateTimeOffset() ?? time.GetUtcNow(),
            });
            user.Version++;
            if (!wasOnline)
            {
                user.LastSeen = null;
            }

            return Update<ConnectOutcome>.Save(new ConnectOutcome(existing is null, !wasOnline, user.Version));
        }, cancellationToken);

        if (outcome.Added)
        {
            metrics.Connections.Add(1);
        }

        if (outcome.CameOnline)
        {
            metrics.OnlineUsers.Add(1);
            await events.UserChangedAsync(request.UserId, PresenceStatus.Online, outcome.Version, request.EdgeId);
        }

        var after = await state.ReadRegistryAsync(cancellationToken);
        if (after.Edges.TryGetValue(request.EdgeId, out var current) && current.LeaseId == lease.LeaseId)
        {
            return outcome.CameOnline;
        }

        // The lease ended while we wrote, and its cleanup may have run before our write landed.
        await DropAsync(request.UserId, c => c.ConnectionId == request.ConnectionId && c.LeaseId == lease.LeaseId, cancellationToken);
        await RemoveIndexEntriesAsync(request.EdgeId, [request.ConnectionId], lease.LeaseId, cancellationToken);
        throw NoLease(request.EdgeId);
    }

    public async Task<bool> DisconnectAsync(DisconnectRequest request, CancellationToken cancellationToken)
    {
        var outcome = await DropAsync(request.UserId, c => c.ConnectionId == request.ConnectionId, cancellationToken);
        if (outcome.Removed == 0)
        {
            return false;
        }

        PresenceLog.Disconnected(logger, request.ConnectionId, request.UserId, outcome.EdgeId, request.Reason);
        await RemoveIndexEntriesAsync(outcome.EdgeId, [request.ConnectionId], leaseId: null, cancellationToken);
        return outcome.WentOffline;
    }

    /// <summary>Removes the user's connections recorded under an ended lease; returns how many.</summary>
    public async Task<int> DropLeaseAsync(string userId, string leaseId, CancellationToken cancellationToken) =>
        (await DropAsync(userId, c => c.LeaseId == leaseId, cancellationToken)).Removed;

    public async Task<LookupUsersResponse> LookupAsync(IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var distinct = userIds.Distinct(StringComparer.Ordinal).ToArray();
        var registryRead = state.ReadRegistryAsync(cancellationToken);
        var records = await state.ReadManyAsync<UserRecord>(distinct.Select(StateKeys.User).ToArray(), cancellationToken);
        var registry = await registryRead;
        var now = time.GetUtcNow();

        var response = new LookupUsersResponse();
        for (var i = 0; i < distinct.Length; i++)
        {
            var edges = (records[i]?.Connections ?? [])
                .Where(c => registry.IsLive(c.EdgeId, c.LeaseId, now))
                .Select(c => c.EdgeId)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            if (edges.Length > 0)
            {
                response.Users.Add(new UserEdges { UserId = distinct[i], EdgeIds = { edges } });
            }
        }

        return response;
    }

    public async Task<GetUserPresenceResponse> GetAsync(string userId, CancellationToken cancellationToken)
    {
        var registryRead = state.ReadRegistryAsync(cancellationToken);
        var record = await state.ReadAsync<UserRecord>(StateKeys.User(userId), cancellationToken);
        var registry = await registryRead;
        var now = time.GetUtcNow();

        var response = new GetUserPresenceResponse { UserId = userId, Version = record?.Version ?? 0 };
        foreach (var connection in (record?.Connections ?? []).Where(c => registry.IsLive(c.EdgeId, c.LeaseId, now)))
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

    private async Task<RemoveOutcome> DropAsync(string userId, Predicate<ConnectionRecord> match, CancellationToken cancellationToken)
    {
        var outcome = await state.UpdateAsync<UserRecord, RemoveOutcome>(StateKeys.User(userId), "user", user =>
        {
            var edgeId = user.Connections.Find(match)?.EdgeId;
            if (edgeId is null)
            {
                return Update<RemoveOutcome>.Keep(default);
            }

            var removed = user.Connections.RemoveAll(match);
            user.Version++;
            var wentOffline = user.Connections.Count == 0;
            if (wentOffline)
            {
                user.LastSeen = time.GetUtcNow();
            }

            return Update<RemoveOutcome>.Save(new RemoveOutcome(removed, wentOffline, user.Version, edgeId));
        }, cancellationToken);

        if (outcome.Removed > 0)
        {
            metrics.Connections.Add(-outcome.Removed);
        }

        if (outcome.WentOffline)
        {
            metrics.OnlineUsers.Add(-1);
            await events.UserChangedAsync(userId, PresenceStatus.Offline, outcome.Version, outcome.EdgeId);
        }

        return outcome;
    }

    private Task SetIndexEntryAsync(string edgeId, string connectionId, EdgeIndexEntry entry, CancellationToken cancellationToken)
    {
        var key = StateKeys.EdgeIndex(edgeId, StateKeys.ShardOf(connectionId, options.Value.EdgeIndexShards));
        return state.UpdateAsync<EdgeIndexShard, bool>(key, "edge-index", shard =>
        {
            if (shard.Connections.TryGetValue(connectionId, out var existing) && existing.UserId == entry.UserId && existing.LeaseId == entry.LeaseId)
            {
                return Update<bool>.Keep(false);
            }

            shard.Connections[connectionId] = entry;
            return Update<bool>.Save(true);
        }, cancellationToken);
    }

    /// <summary>Removes index entries; with a <paramref name="leaseId"/>, only those still under that lease.</summary>
    internal Task RemoveIndexEntriesAsync(string edgeId, IReadOnlyCollection<string> connectionIds, string? leaseId, CancellationToken cancellationToken)
    {
        var shards = options.Value.EdgeIndexShards;
        return Task.WhenAll(connectionIds
            .GroupBy(id => StateKeys.ShardOf(id, shards))
            .Select(group => state.UpdateAsync<EdgeIndexShard, bool>(StateKeys.EdgeIndex(edgeId, group.Key), "edge-index", shard =>
            {
                var removed = false;
                foreach (var id in group)
                {
                    if (shard.Connections.TryGetValue(id, out var entry) && (leaseId is null || entry.LeaseId == leaseId))
                    {
                        removed |= shard.Connections.Remove(id);
                    }
                }

                return removed ? Update<bool>.Save(true) : Update<bool>.Keep(false);
            }, cancellationToken)));
    }

    private static RpcException NoLease(string edgeId) =>
        new(new Status(StatusCode.FailedPrecondition, $"edge {edgeId} holds no live lease; RegisterEdge, then replay Connect"));
}
