using Suite.Edge.Connections;
using Suite.Edge.Delivery;

namespace Suite.Edge.Resume;

/// <summary>
/// Keeps one resuming connection's room messages in order around its replay: live messages of a
/// room it is resuming are held until <c>joined</c> and the replay are queued, then sent if they are
/// newer than the replay; afterwards live copies of replayed messages are dropped.
/// </summary>
/// <remarks>
/// Why: the connection enters the local index before the room hears of the join (so it misses
/// nothing), so live messages can reach it before its <c>joined</c>, and a message committed before
/// the join can be both replayed and delivered live (its publish was still in flight). Replayed
/// copies never pass the dispatcher's id filter, so that filter cannot catch the live one.
/// <para>
/// The floor after a replay is the last replayed seq, not the highest seq sent: live deliveries may
/// arrive out of seq order (a retried publish), and a rising floor would drop one never sent. The
/// floor is retired at the first live message above it: the room queues a room's messages to each
/// edge topic in seq order, so every in-flight copy of a replayed message arrives before it; a
/// later redelivery is the id filter's. Retiring also means a room whose numbering restarts (a new
/// epoch) is not filtered against old seqs for as long as the connection stays.
/// </para>
/// Only connections that sent <c>since</c> have one (<see cref="Connection.ReplayOrder"/>), so the
/// fan-out pays a null check for everyone else.
/// </remarks>
public sealed class ReplayOrder
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RoomState> _rooms = new(StringComparer.Ordinal);

    /// <summary>From now on, live messages of <paramref name="roomId"/> are held; call before the connection enters the room's index.</summary>
    public void Hold(string roomId)
    {
        lock (_lock)
        {
            _rooms[roomId] = new RoomState(new List<ReplayedMessage>(), 0);
        }
    }

    /// <summary>
    /// As <see cref="Hold"/>, unless the room is already held for this connection (its own resuming
    /// join is under way): false then, and nothing changes. The floor a finished replay left is
    /// replaced (the edge's duplicate filter knows a gap fill's ids).
    /// </summary>
    public bool TryHold(string roomId)
    {
        lock (_lock)
        {
            if (_rooms.TryGetValue(roomId, out var room) && room.Held is not null)
            {
                return false;
            }

            _rooms[roomId] = new RoomState(new List<ReplayedMessage>(), 0);
            return true;
        }
    }

    /// <summary>The fan-out's path for a room message with a seq: held, dropped as replayed (null), or sent.</summary>
    public EnqueueOutcome? Offer(Connection connection, string roomId, ulong seq, OutboundFrame frame, bool mayWriteNow = true)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_lock)
        {
            if (_rooms.TryGetValue(roomId, out var room))
            {
                if (room.Held is { } held)
                {
                    held.Add(new ReplayedMessage(seq, frame));
                    return EnqueueOutcome.Accepted;
                }

                if (seq <= room.Floor)
                {
                    return null;
                }

                _rooms.Remove(roomId);
            }
        }

        return connection.Send(frame, mayWriteNow);
    }

    /// <summary>
    /// Queues <paramref name="joined"/> (a resuming join's answer; none for an edge's own gap fill),
    /// then the replay and the held live messages merged in seq order, with no live message in
    /// between. A held message is left out when the replay has its seq or the client already showed
    /// it (<paramref name="shownUpTo"/>, the resume's <c>since</c>; 0 for a gap fill, whose held
    /// messages below its hole were observed before the hold and never sent). With
    /// <paramref name="keepFloor"/> (a resume), live messages at or below the last replayed seq are
    /// dropped from then on, until one above it arrives.
    /// </summary>
    public void Release(Connection connection, string roomId, OutboundFrame? joined, IReadOnlyList<ReplayedMessage> replay, ulong shownUpTo, bool keepFloor)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(replay);
        lock (_lock)
        {
            if (joined is not null)
            {
                connection.Send(joined);
            }

            var held = _rooms.Remove(roomId, out var room) ? room.Held ?? [] : [];
            var replayed = replay.Select(m => m.Seq).ToHashSet();
            // One copy per seq: a gap fill may offer a message that its live copy also brought.
            var live = held.Where(m => m.Seq > shownUpTo && !replayed.Contains(m.Seq)).DistinctBy(m => m.Seq);
            var floor = Math.Max(shownUpTo, replay.Count > 0 ? replay[^1].Seq : 0);
            var passedFloor = false;
            foreach (var message in replay.Concat(live).OrderBy(m => m.Seq))
            {
                connection.Send(message.Frame);
                passedFloor |= message.Seq > floor;
            }

            if (keepFloor && floor > 0 && !passedFloor)
            {
                _rooms[roomId] = new RoomState(null, floor);
            }
        }
    }

    /// <summary>The join failed or the connection left the room: what was held is sent (or not) and the room forgotten.</summary>
    public void Forget(Connection connection, string roomId, bool sendHeld)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_lock)
        {
            if (_rooms.Remove(roomId, out var room) && sendHeld)
            {
                foreach (var message in room.Held ?? [])
                {
                    connection.Send(message.Frame);
                }
            }
        }
    }

    // Held is non-null while the replay is being fetched; Floor applies once it is released.
    private sealed record RoomState(List<ReplayedMessage>? Held, ulong Floor);
}
