using System.Buffers;
using System.IO.Pipelines;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Connections;

/// <summary>Keep-alive pings are spread over the interval instead of all falling due in one sweep.</summary>
public sealed class PingSpreadTests
{
    [Theory]
    [InlineData(3_000, 30, 100)]
    [InlineData(100_000, 30, 3_334)]
    [InlineData(10, 30, 64)]
    [InlineData(1_000, 0, 0)]
    public void A_tick_pings_its_share_of_all_connections_and_at_least_a_minimum(int connections, int intervalSeconds, int expected) =>
        Assert.Equal(expected, ConnectionSweeper.PingsPerTick(connections, TimeSpan.FromSeconds(intervalSeconds)));

    [Fact]
    public async Task A_due_ping_held_back_by_the_budget_goes_out_on_a_later_call()
    {
        var start = DateTimeOffset.UnixEpoch;
        var wire = new Pipe();
        using var transport = new WebSocketTransport(new Pipe().Reader, wire.Writer, start);
        var interval = TimeSpan.FromSeconds(30);
        var due = start + interval + TimeSpan.FromSeconds(1);

        Assert.Equal(HeartbeatOutcome.None, transport.Heartbeat(due, interval, TimeSpan.FromSeconds(10), mayPing: false));
        Assert.False(wire.Reader.TryRead(out _));

        Assert.Equal(HeartbeatOutcome.Pinged, transport.Heartbeat(due + TimeSpan.FromSeconds(1), interval, TimeSpan.FromSeconds(10), mayPing: true));
        var written = await wire.Reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 0x89, 0x00 }, BuffersExtensions.ToArray(written.Buffer));
    }
}
