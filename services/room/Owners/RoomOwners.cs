using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Owners;

/// <summary>
/// Which replica serves a room: this one (it owns the room, or takes it over because no live replica
/// does) or another live owner, to which the call is forwarded once. Rooms this replica owns stay
/// loaded until a commit fails or the replica's lease lapses; remote owners are remembered until a
/// forward to them fails.
/// </summary>
internal sealed class RoomOwners(StateStore state, RoomReplica replica, RoomLoader loader, RoomForwarder forwarder, IOptions<RoomOptions> options, RoomMetrics metrics, ILogger<RoomOwners> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<OwnedRoom>>> _owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _remote = new(StringComparer.Ordinal);

    public int OwnedCount => _owned.Count;

    /// <summary>Runs a room call where the room is owned: <paramref name="local"/> here, or <paramref name="remote"/> on the owner.</summary>
    public async Task<TResponse> OnOwnerAsync<TResponse>(
        string roomId,
        bool forwarded,
        DateTime? deadline,
        CancellationToken cancellationToken,
        Func<OwnedRoom, Task<TResponse>> local,
        Func<RoomService.RoomServiceClient, CallOptions, AsyncUnaryCall<TResponse>> remote)
    {
        var (room, address) = await ResolveAsync(roomId, forwarded, cancellationToken);
        if (room is not null)
        {
            return await local(room);
        }

        // A frozen owner is replaced within a lease, so a forward waits no longer than that: the
        // caller then still has time to retry and find the new owner.
        var leaseBound = DateTime.UtcNow + options.Value.OwnerLeaseDuration;
        try
        {
            return await remote(forwarder.For(address!), RoomForwarder.Options(deadline is { } d && d < leaseBound ? d : leaseBound, cancellationToken));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled)
        {
            Forget(roomId, address!);
            throw new RpcException(new Status(StatusCode.Unavailable, $"the owner of room '{roomId}' at {address} did not serve the call ({ex.Status.Detail}); retry"));
        }
        catch (OperationCanceledException)
        {
            // The caller gave up while the owner did not answer: the owner may be gone, look again next time.
            Forget(roomId, address!);
            throw;
        }
    }

    private void Forget(string roomId, string address) => _remote.TryRemove(new KeyValuePair<string, string>(roomId, address));

    private async Task<(OwnedRoom? Room, string? Address)> ResolveAsync(string roomId, bool forwarded, CancellationToken cancellationToken)
    {
        // Two replicas that take a new room over at once: the loser looks again and finds the winner.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryResolveAsync(roomId, forwarded, cancellationToken);
            }
            catch (TakeoverLostException ex) when (attempt < 3)
            {
                RoomLog.TakeoverLost(logger, roomId, ex);
            }
            catch (TakeoverLostException ex)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, ex.Message + "; retry"));
            }
        }
    }

    private async Task<(OwnedRoom? Room, string? Address)> TryResolveAsync(string roomId, bool forwarded, CancellationToken cancellationToken)
    {
        if (!await replica.EnsureLiveAsync(cancellationToken))
        {
            UnloadAll();
            throw new RpcException(new Status(StatusCode.Unavailable, $"room replica {replica.Id} is not sure it still holds its lease; retry"));
        }

        if (_owned.TryGetValue(roomId, out var loading))
        {
            var owned = await TryGetAsync(roomId, loading, cancellationToken);
            if (owned is not null)
            {
                return (owned, null);
            }
        }

        if (!forwarded && _remote.TryGetValue(roomId, out var known))
        {
            return (null, known);
        }

        var (head, etag) = await state.ReadAsync<RoomHead>(StateKeys.RoomHead(roomId), cancellationToken);
        if (head is { Owner.Length: > 0 } && head.Owner != replica.Id
            && await state.GetAsync<ReplicaRecord>(StateKeys.Replica(head.Owner), cancellationToken) is { } owner)
        {
            if (forwarded)
            {
                // At most one forward: the sender's view was stale, and its retry resolves again.
                throw new RpcException(new Status(StatusCode.Unavailable, $"room '{roomId}' is owned by replica {head.Owner}, not this one; retry"));
            }

            _remote[roomId] = owner.Address;
            return (null, owner.Address);
        }

        _remote.TryRemove(roomId, out _);
        var load = _owned.GetOrAdd(roomId, id => new Lazy<Task<OwnedRoom>>(() => loader.TakeOverAsync(id, head, etag)));
        var room = await TryGetAsync(roomId, load, cancellationToken);
        return room is not null
            ? (room, null)
            : throw new RpcException(new Status(StatusCode.Unavailable, $"room '{roomId}' could not be loaded; retry"));
    }

    // A failed load or a dropped room leaves the table, so the next call loads the room again.
    private async Task<OwnedRoom?> TryGetAsync(string roomId, Lazy<Task<OwnedRoom>> loading, CancellationToken cancellationToken)
    {
        try
        {
            var room = await loading.Value.WaitAsync(cancellationToken);
            if (!room.Dropped && room.LeaseGeneration == replica.LeaseGeneration)
            {
                return room;
            }

            // Loaded under a lease that lapsed since: another replica may own it now.
            room.Dropped = true;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _owned.TryRemove(new KeyValuePair<string, Lazy<Task<OwnedRoom>>>(roomId, loading));
            throw;
        }

        _owned.TryRemove(new KeyValuePair<string, Lazy<Task<OwnedRoom>>>(roomId, loading));
        metrics.RoomsUnloaded.Add(1, new KeyValuePair<string, object?>("reason", "failed_commit"));
        return null;
    }

    /// <summary>Unloads the rooms idle for at least <paramref name="idle"/>, so memory holds the rooms in use, not every room ever used.</summary>
    public async Task<int> UnloadIdleAsync(TimeSpan idle, CancellationToken cancellationToken)
    {
        var unloaded = 0;
        foreach (var (roomId, loading) in _owned)
        {
            if (!loading.Value.IsCompletedSuccessfully || loading.Value.Result is not { } room || room.IdleFor < idle)
            {
                continue;
            }

            // Inside the room's turn, so no change is half applied when it goes.
            using (await room.EnterAsync(cancellationToken))
            {
                room.Dropped = true;
            }

            _owned.TryRemove(new KeyValuePair<string, Lazy<Task<OwnedRoom>>>(roomId, loading));
            unloaded++;
        }

        metrics.RoomsUnloaded.Add(unloaded, new KeyValuePair<string, object?>("reason", "idle"));

        return unloaded;
    }

    private void UnloadAll()
    {
        var count = 0;
        foreach (var (roomId, loading) in _owned)
        {
            if (_owned.TryRemove(new KeyValuePair<string, Lazy<Task<OwnedRoom>>>(roomId, loading)))
            {
                count++;
                if (loading.Value.IsCompletedSuccessfully)
                {
                    loading.Value.Result.Dropped = true;
                }
            }
        }

        metrics.RoomsUnloaded.Add(count, new KeyValuePair<string, object?>("reason", "lease"));
        if (count > 0)
        {
            RoomLog.LeaseLost(logger, replica.Id, count);
        }
    }
}
