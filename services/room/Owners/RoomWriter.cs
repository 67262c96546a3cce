using System.Globalization;
using Grpc.Core;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Owners;

/// <summary>
/// Commits one change of an owned room: the head, rewritten with the ETag this owner last wrote, and
/// the change's other records, in one state transaction. A failed transaction means this replica's
/// picture of the room can no longer be trusted (Redis applies the operations that did not fail), so
/// the room is dropped and loaded again from the store on its next call.
/// </summary>
internal sealed class RoomWriter(StateStore state, TimeProvider time, ILogger<RoomWriter> logger)
{
    // Bounds the transaction rather than the caller's deadline: a commit abandoned half way would
    // leave its outcome unknown, and the room would have to be reloaded.
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Commits <paramref name="next"/> and <paramref name="changes"/>; the caller holds the room's gate.</summary>
    /// <exception cref="RpcException">UNAVAILABLE: nothing may be assumed committed; the caller retries.</exception>
    public async Task CommitAsync(OwnedRoom room, RoomHead next, List<StateChange> changes)
    {
        var key = StateKeys.RoomHead(room.Id);
        changes.Insert(0, StateChange.Upsert(key, next, room.HeadETag));
        using var timeout = new CancellationTokenSource(CommitTimeout, time);
        try
        {
            await state.TransactAsync(changes, timeout.Token);
            room.Head = next;
            room.HeadETag = NextETag(room.HeadETag) ?? (await state.ReadAsync<RoomHead>(key, timeout.Token)).ETag;
        }
        catch (Exception ex) when (ex is StateTransactionFailedException or OperationCanceledException or Dapr.DaprException)
        {
            room.Dropped = true;
            var fenced = await TakenOverAsync(room);
            RoomLog.CommitFailed(logger, room.Id, room.Head.Term, fenced, ex);
            throw new RpcException(new Status(StatusCode.Unavailable, fenced
                ? $"room '{room.Id}' was taken over by another replica; retry"
                : $"room '{room.Id}' could not be written ({ex.Message}); retry"));
        }
    }

    // Redis ETags are versions that every write increments; a store whose ETags are not numbers
    // (state.in-memory) is asked for the new one.
    private static string? NextETag(string etag) =>
        long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? (version + 1).ToString(CultureInfo.InvariantCulture) : null;

    private async Task<bool> TakenOverAsync(OwnedRoom room)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CommitTimeout, time);
            var head = await state.GetAsync<RoomHead>(StateKeys.RoomHead(room.Id), timeout.Token);
            return head is not null && head.Term != room.Head.Term;
        }
        catch (Exception ex) when (ex is OperationCanceledException or Dapr.DaprException)
        {
            return false;
        }
    }
}
