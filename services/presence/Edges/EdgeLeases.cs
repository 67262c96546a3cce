using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Presence.Events;
using Suite.Presence.Memory;
using Suite.Presence.State;
using Suite.Presence.Users;
using Suite.ServiceDefaults.Publishing;

namespace Suite.Presence.Edges;

/// <summary>
/// Edge leases. Every transition is one ETag-guarded write of the registry, so when several presence
/// replicas race to expire or replace a lease exactly one of them ends it; the same write stores its
/// presence.edges event in the registry's outbox, which the <see cref="OutboxRelay"/> publishes (so a
/// broker outage delays the event and never loses it). An ended lease stays in the registry's
/// Retired list until its connections are dropped, so a replica that dies half way leaves the rest
/// to the next sweep.
/// </summary>
public sealed class EdgeLeases(
    LeaseRegistry leaseRegistry,
    EdgeIndex index,
    ReplicaMembership replicas,
    UserPresence users,
    OutboxRelay edgeEvents,
    PresenceMetrics metrics,
    IOptions<PresenceOptions> options,
    TimeProvider time,
    ILogger<EdgeLeases> logger)
{
    public async Task<EdgeLease> RegisterAsync(RegisterEdgeRequest request, CancellationToken cancellationToken)
    {
        await replicas.EnsureAdmittedAsync(cancellationToken);
        var duration = GrantedDuration(request.LeaseDuration);
        var transition = await leaseRegistry.UpdateAsync(registry =>
        {
            var now = time.GetUtcNow();
            registry.Edges.TryGetValue(request.EdgeId, out var existing);
            if (existing is not null && existing.Incarnation == request.Incarnation && existing.IsLive(now))
            {
                existing.LeaseDuration = duration;
                existing.ExpiresAt = now + duration;

                // The edge counts a new generation only after it heard its lease was gone, so a higher
                // one here means a lease it saw end; its end event must cover what the edge replays.
                existing.LeaseGeneration = Math.Max(existing.LeaseGeneration, request.LeaseGeneration);
                return (true, new LeaseTransition(existing, null, false));
            }

            RetiredLease? ended = null;
            if (existing is not null)
            {
                ended = RetiredLease.From(existing, existing.IsLive(now) ? EdgeChange.Replaced : EdgeChange.LeaseExpired, now);
                registry.Retired.Add(ended);
                AddEvent(registry, ended.EdgeId, ended.Incarnation, ended.LeaseGeneration, ended.Change, now);
            }

            var lease = new EdgeLeaseRecord
            {
                EdgeId = request.EdgeId,
                Incarnation = request.Incarnation,
                LeaseId = Guid.NewGuid().ToString("N"),
                LeaseGeneration = request.LeaseGeneration,
                LeaseDuration = duration,
                ExpiresAt = now + duration,
                RegisteredAt = now,
            };
            registry.Edges[request.EdgeId] = lease;
            AddEvent(registry, lease.EdgeId, lease.Incarnation, lease.LeaseGeneration, EdgeChange.Registered, now);
            return (true, new LeaseTransition(lease, ended, true));
        }, cancellationToken);

        if (transition.Ended is { } old)
        {
            await EndedAsync(old, cancellationToken);
        }

        var granted = transition.Lease!;
        if (transition.Started)
        {
            metrics.EdgeChanges.Add(1, new KeyValuePair<string, object?>("change", nameof(EdgeChange.Registered)));
            PresenceLog.EdgeRegistered(logger, granted.EdgeId, granted.Incarnation, granted.LeaseDuration);
            edgeEvents.Notify();
        }

        return ToContract(granted);
    }

    public async Task<EdgeLease> RenewAsync(RenewEdgeLeaseRequest request, CancellationToken cancellationToken)
    {
        await replicas.EnsureAdmittedAsync(cancellationToken);
        var transition = await leaseRegistry.UpdateAsync(registry =>
        {
            var now = time.GetUtcNow();
            if (!registry.Edges.TryGetValue(request.EdgeId, out var existing))
            {
                return (false, default(LeaseTransition));
            }

            if (existing.Incarnation != request.Incarnation)
            {
                return (false, new LeaseTransition(existing, null, false));
            }

            if (!existing.IsLive(now))
            {
                // Expired but not swept yet: end it here, so the edge's replay lands under a fresh lease.
                var ended = Retire(registry, existing, EdgeChange.LeaseExpired, now);
                return (true, new LeaseTransition(null, ended, false));
            }

            existing.ExpiresAt = now + existing.LeaseDuration;
            return (true, new LeaseTransition(existing, null, false));
        }, cancellationToken);

        if (transition.Ended is { } old)
        {
            await EndedAsync(old, cancellationToken);
        }

        return transition.Lease switch
        {
            null => throw new RpcException(new Status(StatusCode.NotFound, $"edge {request.EdgeId} has no lease; RegisterEdge again and replay Connect")),
            { Incarnation: var holder } when holder != request.Incarnation =>
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"edge {request.EdgeId} is held by incarnation {holder}; this process is stale")),
            var lease => ToContract(lease),
        };
    }

    public async Task<int> DeregisterAsync(DeregisterEdgeRequest request, CancellationToken cancellationToken)
    {
        await replicas.EnsureAdmittedAsync(cancellationToken);
        var ended = await leaseRegistry.UpdateAsync(registry =>
            registry.Edges.TryGetValue(request.EdgeId, out var existing) && existing.Incarnation == request.Incarnation
                ? (true, Retire(registry, existing, EdgeChange.Deregistered, time.GetUtcNow()))
                : (false, (RetiredLease?)null), cancellationToken);

        return ended is null ? 0 : await EndedAsync(ended, cancellationToken, throwOnFailure: true);
    }

    public async Task<IReadOnlyList<EdgeLease>> ListAsync(CancellationToken cancellationToken)
    {
        var edges = await leaseRegistry.ReadAsync(cancellationToken, fromStore: true);
        var now = time.GetUtcNow();
        return edges.Edges.Values.Where(lease => lease.IsLive(now)).OrderBy(lease => lease.EdgeId, StringComparer.Ordinal).Select(ToContract).ToArray();
    }

    /// <summary>Ends every lease not renewed in time, then drops the connections of every ended lease still listed.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var snapshot = await leaseRegistry.ReadAsync(cancellationToken);
        var now = time.GetUtcNow();
        if (snapshot.Retired.Count == 0 && snapshot.Edges.Values.All(lease => lease.IsLive(now)))
        {
            return;
        }

        await replicas.EnsureAdmittedAsync(cancellationToken);
        var expired = await leaseRegistry.UpdateAsync(registry =>
        {
            var ended = registry.Edges.Values
                .Where(lease => !lease.IsLive(now))
                .ToArray()
                .Select(lease => Retire(registry, lease, EdgeChange.LeaseExpired, now))
                .ToArray();
            return (ended.Length > 0, ended);
        }, cancellationToken);

        foreach (var lease in expired)
        {
            await EndedAsync(lease, cancellationToken);
        }

        // Leftovers of calls or replicas that failed half way; dropping twice is harmless.
        var leftovers = (await leaseRegistry.ReadAsync(cancellationToken, fromStore: true)).Retired;
        foreach (var lease in leftovers)
        {
            await DropConnectionsAsync(lease, cancellationToken, throwOnFailure: false);
        }
    }

    private async Task<int> EndedAsync(RetiredLease ended, CancellationToken cancellationToken, bool throwOnFailure = false)
    {
        metrics.EdgeChanges.Add(1, new KeyValuePair<string, object?>("change", ended.Change.ToString()));
        if (ended.Change == EdgeChange.LeaseExpired)
        {
            metrics.LeasesExpired.Add(1);
        }

        edgeEvents.Notify();
        return await DropConnectionsAsync(ended, cancellationToken, throwOnFailure);
    }

    private async Task<int> DropConnectionsAsync(RetiredLease ended, CancellationToken cancellationToken, bool throwOnFailure)
    {
        try
        {
            var entries = await index.ReadAsync(ended.LeaseId, ended.Writers, cancellationToken);
            var removed = 0;
            await Parallel.ForEachAsync(
                entries.Select(entry => entry.Entry.UserId).Distinct(StringComparer.Ordinal),
                new ParallelOptions { MaxDegreeOfParallelism = options.Value.CleanupParallelism, CancellationToken = cancellationToken },
                async (userId, ct) => Interlocked.Add(ref removed, await users.DropLeaseAsync(userId, ended.LeaseId, ConnectionEvents.ReasonFor(ended.Change), ct)));

            await index.DeleteAsync(ended.LeaseId, ended.Writers, entries.Select(entry => entry.Key), cancellationToken);
            await leaseRegistry.UpdateAsync(registry => (registry.Retired.RemoveAll(lease => lease.LeaseId == ended.LeaseId) > 0, true), cancellationToken);

            PresenceLog.LeaseEnded(logger, ended.EdgeId, ended.Incarnation, ended.Change.ToString(), removed);
            return removed;
        }
        catch (Exception ex) when (!throwOnFailure && ex is not OperationCanceledException)
        {
            PresenceLog.CleanupFailed(logger, ex, ended.EdgeId, ended.Incarnation);
            return 0;
        }
    }

    private RetiredLease Retire(EdgeRegistry registry, EdgeLeaseRecord lease, EdgeChange change, DateTimeOffset now)
    {
        var ended = RetiredLease.From(lease, change, now);
        registry.Edges.Remove(lease.EdgeId);
        registry.Retired.Add(ended);
        AddEvent(registry, ended.EdgeId, ended.Incarnation, ended.LeaseGeneration, change, now);
        return ended;
    }

    // Runs inside a registry update, which may repeat it on a fresh copy: a repeated log is harmless.
    private void AddEvent(EdgeRegistry registry, string edgeId, string incarnation, ulong leaseGeneration, EdgeChange change, DateTimeOffset now)
    {
        var limit = options.Value.MaxPendingEdgeEvents;
        if (EdgeEventOutbox.Add(registry, edgeId, incarnation, leaseGeneration, change, now, limit) is > 0 and var dropped)
        {
            PresenceLog.EdgeEventsDropped(logger, limit, dropped, edgeId);
        }
    }

    private TimeSpan GrantedDuration(Duration? requested)
    {
        var settings = options.Value;
        if (requested is null || requested.ToTimeSpan() <= TimeSpan.Zero)
        {
            return settings.DefaultLeaseDuration;
        }

        var asked = requested.ToTimeSpan();
        return asked < settings.MinLeaseDuration ? settings.MinLeaseDuration
            : asked > settings.MaxLeaseDuration ? settings.MaxLeaseDuration
            : asked;
    }

    private static EdgeLease ToContract(EdgeLeaseRecord lease) => new()
    {
        EdgeId = lease.EdgeId,
        Incarnation = lease.Incarnation,
        LeaseDuration = Duration.FromTimeSpan(lease.LeaseDuration),
        ExpiresAt = Timestamp.FromDateTimeOffset(lease.ExpiresAt),
        LeaseGeneration = lease.LeaseGeneration,
    };
}
