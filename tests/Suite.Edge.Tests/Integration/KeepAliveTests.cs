using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>Keep-alive driven by the edge-wide sweep on the injected clock (defaults: ping after 30 s of silence, drop 10 s later).</summary>
public sealed class KeepAliveTests : IAsyncLifetime
{
    private const int Ping = 0x9;
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Silent_client_is_pinged_after_the_interval_and_dropped_after_the_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync("alice", ct);

        _edge.Time.Advance(TimeSpan.FromSeconds(31));
        var (opcode, _) = await client.ReadFrameAsync(ct);
        Assert.Equal(Ping, opcode);

        _edge.Time.Advance(TimeSpan.FromSeconds(11));

        Assert.True(await client.ClosedAsync(ct));
        var registry = _edge.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.UntilAsync(() => registry.Count == 0, TimeSpan.FromSeconds(5), ct, "the dropped connection is unregistered");
    }

    [Fact]
    public async Task Client_that_answers_is_kept_and_pinged_again_after_the_next_silent_interval()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync("bob", ct);
        _edge.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(Ping, (await client.ReadFrameAsync(ct)).Opcode);

        // The answer to an application ping shows the edge has read the pong sent before it.
        await client.SendAsync([.. PongFrame(), .. RawClient.TextFrame("""{"type":"ping"}""")], ct);
        Assert.Contains("\"pong\"", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
        var now = _edge.Time.GetUtcNow();
        Sweeper.Sweep(now + TimeSpan.FromSeconds(11));
        Sweeper.Sweep(now + TimeSpan.FromSeconds(42));

        Assert.Equal(Ping, (await client.ReadFrameAsync(ct)).Opcode);
        Assert.Equal(1, _edge.Services.GetRequiredService<ConnectionRegistry>().Count);
    }

    [Fact]
    public async Task A_client_frame_counts_as_life_so_an_active_client_is_not_pinged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync("carol", ct);
        var connectedAt = _edge.Time.GetUtcNow();

        await client.SendAsync(RawClient.TextFrame("""{"type":"ping"}"""), ct);
        Assert.Contains("\"pong\"", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
        Sweeper.Sweep(connectedAt + TimeSpan.FromSeconds(20));
        Sweeper.Sweep(connectedAt + TimeSpan.FromSeconds(45));
        await client.SendAsync(RawClient.TextFrame("""{"type":"ping"}"""), ct);

        // 45 s after connecting but only 25 s after the client was last heard: the next frame is
        // the answer, not a ping (which the sweep would have written before it).
        Assert.Contains("\"pong\"", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frames_and_pongs_sent_in_one_write_are_all_read()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync("dave", ct);

        // The idle wait is on the edge's pipe, so a frame must never be left behind in the socket.
        await client.SendAsync([.. RawClient.TextFrame("""{"type":"ping","id":"a"}"""), .. PongFrame(), .. RawClient.TextFrame("""{"type":"ping","id":"b"}""")], ct);

        Assert.Contains("\"ref\":\"a\"", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
        Assert.Contains("\"ref\":\"b\"", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
    }

    private ConnectionSweeper Sweeper => _edge.Services.GetServices<IHostedService>().OfType<ConnectionSweeper>().Single();

    private async Task<RawClient> ConnectAsync(string user, CancellationToken ct)
    {
        var client = await RawClient.ConnectAsync(_edge.Port, ct);
        await client.SendAsync(RawClient.Upgrade("/ws?access_token=" + _edge.Token(user, TimeSpan.FromDays(1)), RawClient.NewKey()), ct);
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        Assert.Contains("auth:ok", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
        return client;
    }

    // A masked pong with no payload: FIN + opcode 0xA, mask bit, zero key.
    private static byte[] PongFrame() => [0x8A, 0x80, 0, 0, 0, 0];
}
