using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;
using Suite.Edge.Routing;

namespace Suite.Edge.Resume;

/// <summary>
/// Fills, on the edge, the holes in a room's live stream that its clients would otherwise never
/// learn of: a message the broker lost (a Redis restart that dropped its last writes), or every
/// message the room sent while this edge's lease had lapsed and the room held its members dropped.
/// The edge keeps the last seq it dispatched per room with local members; a room message whose seq
/// jumps past it, or a replayed join that reports a higher last seq, reads the missing ones from the
/// room's history and sends them to the room's local members in order, before the live messages
/// held meanwhile (the same <see cref="ReplayOrder"/> a resuming join uses).
/// </summary>
/// <remarks>
/// One fill per room at a time: a hole found while one runs is left to the next (the fill reads up
/// to the seq that revealed its hole). What cannot be filled (another epoch, no longer kept, more
/// than <see cref="ResumeOptions.MaxReplay"/>, the room not answering) stays a hole, counted and
/// logged; the clients' own resume with <c>since</c> is the remedy then, as before.
/// </remarks>
public sealed partial class RoomGapFill(
    LocalIndex<Connection> index,
    RoomHistory history,
    RecentMessageIds recent,
    IOptions<ResumeOptions> options,
    EdgeMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<RoomGapFill> logger)
{
    private readonly ConcurrentDictionary<string, Cursor> _cursors = new(StringComparer.Ordinal);

    /// <summary>Rooms whose position the edge follows now (those with local members, and some that just lost them).</summary>
    public int TrackedRooms => _cursors.Count;

    /// <summary>
    /// A client's join of <paramref name="roomId"/> is about to enter the local index. When it will be
    /// the room's only local member, what this edge followed before (members that all left) is no
    /// longer its position: the room's position is learnt again, from the live seqs that arrive from
    /// now on and from the join's answer (<see cref="Joined"/>), with no hole looked for until then.
    /// </summary>
    public void Joining(string roomId)
    {
        if (index.RoomMemberCount(roomId) > 0)
        {
            return;
        }

        PruneIfLarge();
        var cursor = _cursors.GetOrAdd(roomId, static _ => new Cursor());
        lock (cursor)
        {
            cursor.Epoch = null;
            cursor.Last = 0;
        }
    }

    /// <summary>
    /// A join of <paramref name="roomId"/> on this edge was answered. A client's join starts following
    /// the room from its position (or the last live seq seen since <see cref="Joining"/>, if higher)
    /// when the room's position is being learnt, or when the epoch changed. A join the lease replay
    /// made again (<paramref name="replayed"/>) is for members that were here all along: a position
    /// above the one followed is what they missed while the lease had lapsed.
    /// </summary>
    public void Joined(string roomId, JoinResponse joined, bool replayed)
    {
        ArgumentNullException.ThrowIfNull(joined);
        if (!_cursors.TryGetValue(roomId, out var cursor))
        {
            // Followed from here (an edge that held members before this class saw a join of theirs).
            PruneIfLarge();
            cursor = _cursors.GetOrAdd(roomId, static _ => new Cursor());
        }

        Fill? fill = null;
        lock (cursor)
        {
            if (cursor.Epoch is null)
            {
                cursor.Epoch = joined.Epoch;
                cursor.Last = Math.Max(cursor.Last, joined.LastSeq);
            }
            else if (cursor.Epoch != joined.Epoch)
            {
                // Another numbering: seqs may have started again below the ones followed.
                cursor.Epoch = joined.Epoch;
                cursor.Last = joined.LastSeq;
            }
            else if (replayed && joined.LastSeq > cursor.Last && !cursor.Filling)
            {
                fill = Open(roomId, cursor, joined.LastSeq, upTo: joined.LastSeq);
            }
        }

        if (fill is { } started)
        {
            _ = FillAsync(roomId, started);
        }
    }

    /// <summary>
    /// The dispatcher's check of a live room message, before it expands it: a seq past the next one
    /// holds the room's members (so this message waits behind the missing ones) and starts the fill.
    /// While the room's position is being learnt, the seq only moves it. True when the seq is at or
    /// below the position followed (out of order, or a late copy of one a fill sent): the dispatcher
    /// then expands it through <see cref="DeliverLate"/>.
    /// </summary>
    public bool Observe(string roomId, ulong seq)
    {
        if (!_cursors.TryGetValue(roomId, out var cursor))
        {
            return false;
        }

        Fill fill;
        lock (cursor)
        {
            if (seq <= cursor.Last)
            {
                return true;
            }

            if (seq == cursor.Last + 1 || cursor.Filling || cursor.Epoch is null || !options.Value.FillLiveGaps)
            {
                cursor.Last = seq;
                return false;
            }

            fill = Open(roomId, cursor, seq, upTo: seq - 1);
        }

        _ = FillAsync(roomId, fill);
        return false;
    }

    /// <summary>
    /// Expands (<paramref name="fanOut"/>) a live room message whose seq <see cref="Observe"/> found
    /// late, unless the room's last fill sent that seq: then it is a repeat (null). Decided and
    /// expanded under the room's lock, which a fill's release also takes: a live copy that passed
    /// the id filter before the fill recorded its ids reaches the members either while they are
    /// held (their release sends each seq once) or after the fill, when it is recognised here;
    /// expanded in between, it was sent twice.
    /// </summary>
    public int? DeliverLate<TState>(string roomId, ulong seq, TState state, Func<TState, int> fanOut)
    {
        ArgumentNullException.ThrowIfNull(fanOut);
        if (!_cursors.TryGetValue(roomId, out var cursor))
        {
            return fanOut(state);
        }

        lock (cursor)
        {
            return cursor.WasFilled(seq) ? null : fanOut(state);
        }
    }

    // Under the cursor's lock: the hole is opened and the room's members held in one step. A late
    // live copy of a missing message (another topic or a thawed owner's publish) observed after this
    // finds its recipients held, and their release sends each seq once; were the hold taken after the
    // lock, a copy fanned out in between would reach the socket and then come again from the fill.
    // A connection whose own resuming join holds the room gets the filled messages offered as live
    // ones, which its resume orders like any other.
    private Fill Open(string roomId, Cursor cursor, ulong seq, ulong upTo)
    {
        var gap = cursor.Open(seq, upTo);
        var held = new List<Connection>();
        var resuming = new List<Connection>();
        foreach (var connection in index.RoomMembers(roomId))
        {
            (connection.StartReplayOrder().TryHold(roomId) ? held : resuming).Add(connection);
        }

        return new Fill(cursor, gap, held, resuming);
    }

    private async Task FillAsync(string roomId, Fill fill)
    {
        var (cursor, gap, held, resuming) = fill;
        IReadOnlyList<ReplayedMessage>? missed = null;
        try
        {
            var until = new JoinResponse { LastSeq = gap.UpTo, Epoch = gap.Epoch };
            // The history read goes on to the room's newest message; those past the hole are (or will
            // be) live on this edge, and a later fill may find them missing too: sending them here as
            // well delivered them twice (the lease-outage chaos test over Redis, with FillLiveGaps).
            missed = (await history.MissedAsync(roomId, new ResumePoint(gap.After, gap.Epoch), until, lifetime.ApplicationStopping))?
                .TakeWhile(m => m.Seq <= gap.UpTo).ToList();
        }
        catch (OperationCanceledException)
        {
            // The edge is stopping: what was held is still sent below.
        }
        finally
        {
            // Under the room's lock, so that a late live copy of a filled seq is expanded either
            // before (to the held members) or after (and dropped by DeliverLate), never in between.
            lock (cursor)
            {
                // A live copy of a filled message may still come (a publish that was late, not
                // lost: a stale room owner's, thawed): the dispatcher's id filter drops it, as any
                // redelivery, and DeliverLate one that passed the filter before this.
                foreach (var message in missed ?? [])
                {
                    recent.TryAdd(message.Id);
                }

                foreach (var connection in held)
                {
                    connection.ReplayOrder!.Release(connection, roomId, joined: null, MissedBy(connection), shownUpTo: 0, keepFloor: false);
                }

                foreach (var connection in resuming)
                {
                    foreach (var message in MissedBy(connection))
                    {
                        connection.ReplayOrder!.Offer(connection, roomId, message.Seq, message.Frame);
                    }
                }

                cursor.Filled(gap, missed);
            }
        }

        // A sender does not get its own room messages back, filled or live.
        List<ReplayedMessage> MissedBy(Connection connection) =>
            missed?.Where(m => m.From != connection.Identity?.UserId).ToList() ?? [];

        var outcome = missed is null ? "not_recovered" : "filled";
        metrics.GapFills.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (missed is null)
        {
            LogNotFilled(logger, roomId, gap.After + 1, gap.UpTo);
        }
        else
        {
            LogFilled(logger, roomId, missed.Count, gap.After + 1, gap.UpTo, held.Count);
        }
    }

    // Rooms whose last local member left are forgotten once they outnumber the followed ones.
    private void PruneIfLarge()
    {
        if (_cursors.Count <= (2 * index.RoomCount) + 64)
        {
            return;
        }

        foreach (var roomId in _cursors.Keys)
        {
            if (index.RoomMemberCount(roomId) == 0)
            {
                _cursors.TryRemove(roomId, out _);
            }
        }
    }

    private readonly record struct Gap(ulong After, ulong UpTo, string Epoch);

    private sealed record Fill(Cursor Cursor, Gap Gap, List<Connection> Held, List<Connection> Resuming);

    // Epoch null: the room's position is being learnt (no hole is looked for).
    private sealed class Cursor
    {
        private string? _epoch;

        public ulong Last { get; set; }

        // Another numbering (or one being learnt) forgets what the last fill sent.
        public string? Epoch
        {
            get => _epoch;
            set
            {
                if (value != _epoch)
                {
                    FilledFrom = FilledTo = 0;
                }

                _epoch = value;
            }
        }

        public bool Filling { get; set; }

        // The seqs the last fill sent (none while FilledTo is 0).
        private ulong FilledFrom { get; set; }

        private ulong FilledTo { get; set; }

        // Under the cursor's lock, with the epoch known: the hole is (Last, upTo]; Last moves to seq.
        public Gap Open(ulong seq, ulong upTo)
        {
            var gap = new Gap(Last, upTo, Epoch!);
            Last = seq;
            Filling = true;
            return gap;
        }

        // Under the cursor's lock: the fill of gap ended, having sent missed (null: nothing).
        public void Filled(Gap gap, IReadOnlyList<ReplayedMessage>? missed)
        {
            Filling = false;
            if (missed is { Count: > 0 } && gap.Epoch == Epoch)
            {
                (FilledFrom, FilledTo) = (missed[0].Seq, missed[^1].Seq);
            }
        }

        public bool WasFilled(ulong seq) => FilledTo > 0 && seq >= FilledFrom && seq <= FilledTo;
    }

    [LoggerMessage(1, LogLevel.Information, "room '{RoomId}': filled {Count} missed messages ({From}..{To}) for {Connections} local connections")]
    private static partial void LogFilled(ILogger logger, string roomId, int count, ulong from, ulong to, int connections);

    [LoggerMessage(2, LogLevel.Warning, "room '{RoomId}': messages {From}..{To} never reached this edge and cannot be read from history; its clients resume with since")]
    private static partial void LogNotFilled(ILogger logger, string roomId, ulong from, ulong to);
}
