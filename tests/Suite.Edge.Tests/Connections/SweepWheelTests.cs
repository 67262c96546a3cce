using System.IO.Pipelines;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Suite.Edge.Auth;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;

namespace Suite.Edge.Tests.Connections;

/// <summary>
/// The sweep visits a connection when something is due for it (its wheel), not every second: an
/// idle one about once per heartbeat interval, a close at the next tick, a departed one never.
/// </summary>
public sealed class SweepWheelTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
    private readonly ConnectionRegistry _registry = new();
    private readonly ConnectionOptions _options = new();
    private readonly ConnectionSweeper _sweeper;
    private readonly List<WebSocketTransport> _transports = [];

    public SweepWheelTests() =>
        _sweeper = new ConnectionSweeper(_registry, Options.Create(_options), Options.Create(new AuthOptions()), TimeProvider.System, NullLogger<ConnectionSweeper>.Instance);

    public void Dispose()
    {
        foreach (var transport in _transports)
        {
            transport.Dispose();
        }
    }

    [Fact]
    public void An_idle_connection_is_visited_when_its_ping_is_due_and_not_in_the_seconds_between()
    {
        var (connection, wire) = Connect("alice");
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(1));
        var firstVisit = connection.LastSweep;

        for (var second = 2; second < 30; second++)
        {
            _sweeper.Sweep(Start + TimeSpan.FromSeconds(second));
        }

        Assert.Equal(firstVisit, connection.LastSweep);
        Assert.False(wire.TryRead(out _));

        _sweeper.Sweep(Start + TimeSpan.FromSeconds(30));

        Assert.NotEqual(firstVisit, connection.LastSweep);
        Assert.True(wire.TryRead(out var ping));
        Assert.Equal(new byte[] { 0x89, 0x00 }, System.Buffers.BuffersExtensions.ToArray(ping.Buffer));
    }

    [Fact]
    public void A_close_requested_between_visits_is_aborted_at_the_first_sweep_after_its_close_timeout()
    {
        // Sweeps half way through the clock's seconds: a deadline that falls there must not wait
        // for the next whole second's sweep.
        var phase = Start + TimeSpan.FromMilliseconds(500);
        var (connection, _) = Connect("bob");
        _sweeper.Sweep(phase + TimeSpan.FromSeconds(1));
        connection.RequestClose(new CloseRequest(CloseCodes.IdleTimeout, "test", Flush: true));

        _sweeper.Sweep(phase + TimeSpan.FromSeconds(2));
        _sweeper.Sweep(phase + TimeSpan.FromSeconds(2) + _options.CloseTimeout - TimeSpan.FromSeconds(1));
        Assert.NotEqual(WebSocketState.Aborted, connection.SocketState);

        _sweeper.Sweep(phase + TimeSpan.FromSeconds(2) + _options.CloseTimeout);
        Assert.Equal(WebSocketState.Aborted, connection.SocketState);
    }

    [Fact]
    public void A_connection_that_left_the_registry_is_not_visited_again()
    {
        var (connection, wire) = Connect("carol");
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(1));
        var visit = connection.LastSweep;
        _registry.Remove(connection);

        _sweeper.Sweep(Start + TimeSpan.FromSeconds(31));

        Assert.Equal(visit, connection.LastSweep);
        Assert.False(wire.TryRead(out _));
    }

    [Fact]
    public void A_clock_that_jumps_past_the_whole_wheel_finds_what_fell_due_meanwhile()
    {
        var (connection, wire) = Connect("dave");
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(1));

        _sweeper.Sweep(Start + TimeSpan.FromSeconds(200));

        // Silent for over a minute: Idle, and pinged.
        Assert.Equal(ConnectionState.Idle, connection.State);
        Assert.True(wire.TryRead(out _));
    }

    [Fact]
    public async Task A_pong_moves_the_next_visit_to_a_full_interval_after_the_visit_that_saw_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (connection, wire) = Connect("erin", out var fromClient);
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(1));
        await fromClient.WriteAsync(new byte[] { 0x8A, 0x80, 1, 2, 3, 4 }, ct); // a masked, empty pong
        var arrived = connection.Transport!.FrameArrived(await connection.Transport.WaitForDataAsync());
        Assert.NotEqual(InputArrival.End, arrived);

        // Due at 30 s, the visit finds the client heard and files it for 30 s later, without a ping.
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(30));
        Assert.False(wire.TryRead(out _));
        Assert.Equal((Start + TimeSpan.FromSeconds(60)).UtcTicks / TimeSpan.TicksPerSecond, connection.SweepSecond);
    }

    [Fact]
    public void Pings_held_back_by_the_tick_budget_come_back_at_that_rate_rather_than_every_tick()
    {
        var clients = Enumerable.Range(0, 200).Select(i => Connect($"user-{i}")).ToList();
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(1));
        var perTick = ConnectionSweeper.PingsPerTick(clients.Count, _options.HeartbeatInterval);
        Assert.Equal(64, perTick);

        var pinged = 0;
        for (var second = 30; second <= 33; second++)
        {
            var visitsBefore = clients.Select(c => c.Connection.LastSweep).ToList();
            _sweeper.Sweep(Start + TimeSpan.FromSeconds(second));
            var visited = clients.Where((c, i) => c.Connection.LastSweep != visitsBefore[i]).Count();
            var pingedNow = clients.Count(c => TakePing(c.Wire));
            pinged += pingedNow;

            Assert.Equal(Math.Min(perTick, clients.Count - (pinged - pingedNow)), pingedNow);
            // The first due tick looks at all 200; after that only the ones whose turn it is.
            Assert.Equal(second == 30 ? clients.Count : pingedNow, visited);
        }

        Assert.Equal(clients.Count, pinged);
    }

    [Fact]
    public void A_connection_between_its_token_and_active_is_looked_at_every_second_until_active()
    {
        var (connection, _) = Connect("frank", active: false);
        var visits = new List<long>();
        for (var second = 1; second <= 3; second++)
        {
            _sweeper.Sweep(Start + TimeSpan.FromSeconds(second));
            visits.Add(connection.LastSweep);
        }

        Assert.Equal(3, visits.Distinct().Count());

        // Active: its next deadline is the ping's, half a minute on.
        connection.TransitionTo(ConnectionState.Active);
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(4));
        var activeVisit = connection.LastSweep;
        _sweeper.Sweep(Start + TimeSpan.FromSeconds(5));
        Assert.Equal(activeVisit, connection.LastSweep);
    }

    private static bool TakePing(PipeReader wire)
    {
        if (!wire.TryRead(out var read))
        {
            return false;
        }

        wire.AdvanceTo(read.Buffer.End);
        return true;
    }

    private (Connection Connection, PipeReader Wire) Connect(string user, bool active = true) => Connect(user, out _, active);

    private (Connection Connection, PipeReader Wire) Connect(string user, out PipeWriter fromClient, bool active = true)
    {
        var input = new Pipe();
        var output = new Pipe();
        var transport = new WebSocketTransport(input.Reader, output.Writer, Start);
        _transports.Add(transport);
        fromClient = input.Writer;
        var connection = new Connection(user, null, new SendQueue(new SendQueueOptions(), TimeProvider.System), _options, Start, transport);
        connection.Authenticate(new ClientIdentity(user, null, new HashSet<string>(), null, null, []));
        if (active)
        {
            connection.TransitionTo(ConnectionState.Active);
        }

        _registry.Add(connection);
        return (connection, output.Reader);
    }
}
