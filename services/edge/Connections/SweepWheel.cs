using System.Collections.Concurrent;

namespace Suite.Edge.Connections;

/// <summary>
/// When the sweep has to look at each connection: a wheel of one-second slots, each holding the
/// connections due in that second, so a sweep visits only the connections something is due for (a
/// ping, a timeout, a token's end) instead of every connection every second.
/// </summary>
/// <remarks>
/// Deadlines move only later between visits (a client frame, a pong), except a close and a new
/// token, which <see cref="Wake"/> the connection for the next sweep. A visit finds the deadlines
/// as they are then and files the connection under the next one; an entry a later filing left
/// behind is dropped when its slot comes round (<see cref="Connection.SweepSecond"/>), a connection
/// found twice in one sweep is visited once, and one that left the registry is dropped. Everything
/// but <see cref="Wake"/> runs on the sweep's one thread (the visits come after <see cref="TakeDue"/>).
/// </remarks>
public sealed class SweepWheel
{
    private const int Slots = 64;

    private readonly List<Connection>[] _slots = Enumerable.Range(0, Slots).Select(_ => new List<Connection>()).ToArray();
    private readonly ConcurrentQueue<Connection> _woken = new();
    private long _lastSecond = long.MinValue;
    private long _sweeps;

    /// <summary>Visits <paramref name="connection"/> at the next sweep (any thread).</summary>
    public void Wake(Connection connection) => _woken.Enqueue(connection);

    /// <summary>
    /// The connections due by <paramref name="now"/> and those woken since the last sweep, each once;
    /// every one of them must be filed again with <see cref="File"/> (or have left the registry).
    /// </summary>
    public List<Connection> TakeDue(DateTimeOffset now, List<Connection> due)
    {
        due.Clear();
        var sweep = ++_sweeps;
        var second = Second(now.UtcTicks);
        while (_woken.TryDequeue(out var woken))
        {
            Take(woken, sweep, due);
        }

        // Seconds since the last sweep, each slot at most once (a clock that jumped past the whole
        // wheel finds every filed connection due).
        var first = _lastSecond == long.MinValue ? second : Math.Max(_lastSecond + 1, second - Slots + 1);
        for (var s = first; s <= second; s++)
        {
            var slot = _slots[Index(s)];
            foreach (var connection in slot)
            {
                // Filed since under a later second (woken and visited): that entry stands, not this one.
                if (connection.SweepSecond <= second)
                {
                    Take(connection, sweep, due);
                }
            }

            slot.Clear();
        }

        _lastSecond = Math.Max(_lastSecond, second);
        return due;
    }

    /// <summary>Files <paramref name="connection"/> under the second <paramref name="dueTicks"/> falls in (at least the next one, at most 63 s ahead: one due later is looked at again then).</summary>
    public void File(Connection connection, long dueTicks, DateTimeOffset now)
    {
        var second = Second(now.UtcTicks);
        // The second the deadline falls in: the sweep in it may come before the deadline (it finds
        // nothing due and files the connection for the next one), but the first sweep at or after
        // the deadline always visits, as a walk over every connection every second did.
        var dueSecond = Math.Clamp(dueTicks / TimeSpan.TicksPerSecond, second + 1, second + Slots - 1);
        connection.SweepSecond = dueSecond;
        _slots[Index(dueSecond)].Add(connection);
    }

    private static void Take(Connection connection, long sweep, List<Connection> due)
    {
        if (connection.LastSweep != sweep && connection.Wheel is not null)
        {
            connection.LastSweep = sweep;
            due.Add(connection);
        }
    }

    private static long Second(long ticks) => ticks / TimeSpan.TicksPerSecond;

    private static int Index(long second) => (int)(second & (Slots - 1));
}
