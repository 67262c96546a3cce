using Microsoft.Extensions.Options;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Owners;

/// <summary>
/// Takes a room over: writes the head with this replica as owner and a new term (ETag-guarded, so of
/// two replicas taking over at once one wins), then loads members and recent history from the store.
/// The term change fences the previous owner: its next commit finds the head changed.
/// </summary>
internal sealed class RoomLoader(StateStore state, RoomReplica replica, IOptions<RoomOptions> options, RoomMetrics metrics, TimeProvider time, ILogger<RoomLoader> logger)
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(30);

    public async Task<OwnedRoom> TakeOverAsync(string roomId, RoomHead? current, string etag)
    {
        var o = options.Value;
        var generation = replica.LeaseGeneration;
        using var timeout = new CancellationTokenSource(LoadTimeout, time);
        var ct = timeout.Token;
        var previous = current ?? new RoomHead();
        var next = new RoomHead
        {
            Seq = previous.Seq,
            // A head without an epoch is a new room or one from the earlier layout, whose clients never saw an epoch.
            Epoch = previous.Epoch.Length > 0 ? previous.Epoch : Guid.NewGuid().ToString("N")[..12],
            Term = previous.Term + 1,
            Owner = replica.Id,
            Terms = [.. TermsInWindow(previous, o.HistorySize), new TermStart { Term = previous.Term + 1, From = previous.Seq + 1 }],
            Last = previous.Term == 0 ? previous.Last : null,
            MembershipVersion = previous.MembershipVersion > 0 ? previous.MembershipVersion : RoomHead.FirstMembershipVersion(time.GetUtcNow()),
        };
        var headKey = StateKeys.RoomHead(roomId);
        if (!await state.TryWriteAsync(headKey, next, current is null ? "" : etag, ct))
        {
            throw new TakeoverLostException(roomId);
        }

        var (written, writtenETag) = await state.ReadAsync<RoomHead>(headKey, ct);
        if (written is null || written.Owner != replica.Id || written.Term != next.Term)
        {
            throw new TakeoverLostException(roomId);
        }

        // Idempotency records are written only with messages, so a room without any has no key this
        // owner could have missed: its keys are all in memory from the start.
        var now = time.GetUtcNow();
        var room = new OwnedRoom(roomId, next, writtenETag, o.MemberShards, new RecentMessages(o.HistorySize), new RecentKeys(o.IdempotencyWindow, o.MaxRememberedKeys, previous.Seq == 0 ? DateTimeOffset.MinValue : now), generation, time);
        await LoadMembersAsync(room, ct);
        await LoadHistoryAsync(room, o.HistorySize, ct);
        metrics.OwnershipChanges.Add(1);
        RoomLog.RoomTakenOver(logger, roomId, replica.Id, next.Term, next.Seq, room.MemberCount);
        return room;
    }

    // Terms whose seqs can still be in the history window, so history keys stay findable.
    private static IEnumerable<TermStart> TermsInWindow(RoomHead head, int historySize)
    {
        var oldest = head.Seq >= (ulong)historySize ? head.Seq - (ulong)historySize + 1 : 1;
        var starts = head.Terms;
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1].From : ulong.MaxValue;
            if (end > oldest)
            {
                yield return starts[i];
            }
        }
    }

    private async Task LoadMembersAsync(OwnedRoom room, CancellationToken ct)
    {
        var shardKeys = Enumerable.Range(0, room.ShardCount).Select(s => StateKeys.RoomMembers(room.Id, s)).ToList();
        var shards = await state.GetManyAsync<MemberShard>(shardKeys, ct);
        var userIds = shards.Values.SelectMany(s => s.Users).Distinct(StringComparer.Ordinal).ToList();
        var users = await state.GetManyAsync<RoomUser>(userIds.Select(u => StateKeys.RoomUser(room.Id, u)).ToList(), ct);
        foreach (var userId in userIds)
        {
            // The user records are the truth; counts and shards are rebuilt from them.
            if (users.TryGetValue(StateKeys.RoomUser(room.Id, userId), out var user) && user.Connections.Count > 0)
            {
                room.SetUser(userId, user);
            }
        }
    }

    private async Task LoadHistoryAsync(OwnedRoom room, int historySize, CancellationToken ct)
    {
        var head = room.Head;
        if (head.Seq == 0)
        {
            return;
        }

        var from = head.Seq >= (ulong)historySize ? head.Seq - (ulong)historySize + 1 : 1;
        var keys = new List<string>();
        for (var seq = from; seq <= head.Seq; seq++)
        {
            keys.Add(StateKeys.RoomHistory(room.Id, head.TermOf(seq), seq, historySize));
        }

        var slots = await state.GetManyAsync<StoredMessage>(keys, ct);
        for (var seq = from; seq <= head.Seq; seq++)
        {
            // A slot holding another seq belongs to another lap of its ring: that message is not kept.
            if (slots.TryGetValue(StateKeys.RoomHistory(room.Id, head.TermOf(seq), seq, historySize), out var slot) && slot.Seq == seq)
            {
                room.History.Add(slot);
            }
            else if (head.Last?.Seq == seq)
            {
                room.History.Add(head.Last);
            }
        }
    }
}
