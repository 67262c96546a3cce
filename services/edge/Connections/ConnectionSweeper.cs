using Microsoft.Extensions.Options;
using Suite.Edge.Auth;

namespace Suite.Edge.Connections;

/// <summary>
/// One timer for the whole edge instead of several per connection: every second it closes
/// connections that did not authenticate in time, went idle for too long, or outlived their token;
/// aborts the sockets of connections whose close did not finish within the close timeout; marks
/// quiet ones Idle; and drives keep-alive (a ping to a client silent for the heartbeat interval, a
/// drop when nothing comes back within the timeout). Rate budgets start over by themselves.
/// </summary>
/// <remarks>
/// A tick visits only the connections something is due for (<see cref="SweepWheel"/>): an idle
/// connection about once per heartbeat interval, not every second. A walk over every connection
/// every second was ~20 % of an idle edge's CPU at 6,000 connections (docs/benchmarks.md), mostly
/// cache misses on connections the idle second had evicted; a timer per socket would wake the
/// thread pool once per connection.
/// </remarks>
public sealed partial class ConnectionSweeper(
    ConnectionRegistry registry,
    IOptions<ConnectionOptions> connectionOptions,
    IOptions<AuthOptions> authOptions,
    TimeProvider time,
    ILogger<ConnectionSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    // However few connections there are, this many may be pinged per tick.
    private const int MinPingsPerTick = 64;

    // The connections one sweep visits; also what keeps two sweeps (the timer's, a test's) apart.
    private readonly List<Connection> _due = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Sweep(time.GetUtcNow());
        }
    }

    public void Sweep(DateTimeOffset now)
    {
        var options = connectionOptions.Value;
        var auth = authOptions.Value;
        lock (_due)
        {
            var pings = new PingBudget(PingsPerTick(registry.Count, options.HeartbeatInterval));
            foreach (var connection in registry.Wheel.TakeDue(now, _due))
            {
                var due = Visit(connection, now, options, auth, ref pings);
                // Only a ping held back (this tick's share is spent, or a write is under way) is
                // still due: the held-back ones come back over the next ticks at the same rate,
                // not all of them every tick until each got its turn.
                registry.Wheel.File(connection, due > now.UtcTicks ? due : pings.Retry(now), now);
            }

            _due.Clear();
        }
    }

    // Does what is due for one connection and returns when it is next due (in ticks): the earliest of
    // the deadlines it checked that have not passed. A deadline that moves earlier between visits (a
    // close, a new token) wakes the connection instead.
    private long Visit(Connection connection, DateTimeOffset now, ConnectionOptions options, AuthOptions auth, ref PingBudget pings)
    {
        if (connection.Close is not null)
        {
            // A closing connection sends nothing more and gets no further close. One whose client
            // ignores the close frame (or never reads it) would keep its socket until the TCP
            // stack gave up: after the close timeout it is aborted and the read loop ends it.
            if (connection.CloseOverdue(now, options.CloseTimeout))
            {
                ConnectionsLog.CloseTimedOut(logger, connection.Id, options.CloseTimeout);
                connection.Socket.Abort();
                return (now + Tick).UtcTicks;
            }

            return connection.CloseDeadlineTicks;
        }

        var heartbeat = connection.Transport?.Heartbeat(now, options.HeartbeatInterval, options.HeartbeatTimeout, mayPing: pings.Left > 0);
        if (heartbeat == HeartbeatOutcome.Pinged)
        {
            pings.Left--;
        }
        else if (heartbeat == HeartbeatOutcome.Dead)
        {
            // As the runtime's keep-alive does: abort, and the read loop records the loss.
            connection.Socket.Abort();
            return (now + Tick).UtcTicks;
        }

        // Each deadline is checked and, if it has not passed, is a candidate for the next visit.
        var due = connection.Transport?.HeartbeatDueTicks(options.HeartbeatInterval, options.HeartbeatTimeout) ?? long.MaxValue;
        var lastFrame = connection.LastClientFrameAt;
        var state = connection.State;
        switch (state)
        {
            case ConnectionState.Connecting or ConnectionState.Authenticating when connection.Identity is null:
                var authEnds = connection.ConnectedAt + auth.AuthTimeout;
                return authEnds <= now
                    ? Close(connection, new CloseRequest(CloseCodes.AuthFailed, "no valid auth within the auth timeout", Flush: true), now, options)
                    : Math.Min(due, authEnds.UtcTicks);
            case ConnectionState.Connecting or ConnectionState.Authenticating:
                // A connection whose token was accepted is past the client's part: the edge is still
                // telling presence (bounded by the upstream deadline), and a busy edge must not close
                // it for its own slowness (a reconnect storm's retries would only add to it). That
                // takes moments: it is looked at every second until Active, when its token's end counts.
                return Math.Min(due, (now + Tick).UtcTicks);
            case ConnectionState.Active or ConnectionState.Idle:
                var idleEnds = lastFrame + options.IdleTimeout;
                if (idleEnds <= now)
                {
                    return Close(connection, new CloseRequest(CloseCodes.IdleTimeout, $"idle for {options.IdleTimeout.TotalSeconds:0}s", Flush: true), now, options);
                }

                if (connection.Identity?.TokenExpiresAt is { } expiresAt)
                {
                    var sessionEnds = auth.SessionEndsAt(expiresAt);
                    if (sessionEnds <= now)
                    {
                        return Close(connection, new CloseRequest(CloseCodes.TokenExpired, "token expired; reconnect with a fresh token", Flush: true), now, options);
                    }

                    due = Math.Min(due, sessionEnds.UtcTicks);
                }

                due = Math.Min(due, idleEnds.UtcTicks);
                if (state == ConnectionState.Active)
                {
                    var idleAt = lastFrame + options.IdleAfter;
                    if (idleAt > now)
                    {
                        due = Math.Min(due, idleAt.UtcTicks);
                    }
                    else
                    {
                        connection.TransitionTo(ConnectionState.Idle);
                        ConnectionsLog.StateChanged(logger, connection.Id, ConnectionState.Idle);
                    }
                }

                return due;
            default:
                return due;
        }
    }

    private static long Close(Connection connection, CloseRequest request, DateTimeOffset now, ConnectionOptions options)
    {
        connection.RequestClose(request);
        connection.CloseOverdue(now, options.CloseTimeout);
        return connection.CloseDeadlineTicks;
    }

    // This tick's pings, and when the ones held back over it are looked at again.
    private struct PingBudget(int perTick)
    {
        private readonly int _perTick = Math.Max(1, perTick);
        private int _heldBack;

        public int Left { get; set; } = perTick;

        public long Retry(DateTimeOffset now) => (now + Tick * (1 + (_heldBack++ / _perTick))).UtcTicks;
    }

    /// <summary>
    /// Pings are spread over the interval: a tick pings at most its share of all connections (at least
    /// <see cref="MinPingsPerTick"/>), so connections that went quiet together (opened in one burst,
    /// back from one reconnect storm) are not all pinged in one tick: at 100,000 connections one tick
    /// would make 100,000 socket writes (~6 µs each here) in one burst on the sweep, and their pongs
    /// would come back together; spread, it is ~3,300 per tick. A due ping waits at most one interval
    /// more. (Measured with 3,000 idle connections on one edge: no change in RSS or idle CPU.)
    /// </summary>
    public static int PingsPerTick(int connections, TimeSpan interval) =>
        interval <= TimeSpan.Zero ? 0 : Math.Max(MinPingsPerTick, (int)Math.Ceiling(connections * Tick.TotalSeconds / Math.Max(interval.TotalSeconds, Tick.TotalSeconds)));
}
