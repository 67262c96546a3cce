using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Quiet_connection_turns_idle_and_is_closed_after_the_idle_timeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var client = await edge.ConnectAsAsync("alice", ct);
        var registry = edge.Services.GetRequiredService<ConnectionRegistry>();
        Assert.Equal(ConnectionState.Active, registry.All.Single().State);

        edge.Time.Advance(TimeSpan.FromSeconds(61));
        await Eventually.UntilAsync(() => registry.All.Single().State == ConnectionState.Idle, TimeSpan.FromSeconds(5), ct, "a minute without frames is Idle");
        await client.SendAsync(new { type = "ping" }, ct);
        await client.ReceiveAsync("pong", ct);
        Assert.Equal(ConnectionState.Active, registry.All.Single().State);

        edge.Time.Advance(TimeSpan.FromMinutes(5));

        var (code, reason, _) = await client.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.IdleTimeout, code);
        Assert.Contains("idle", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_that_stops_answering_pings_is_dropped_while_an_answering_one_stays()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        var registry = edge.Services.GetRequiredService<ConnectionRegistry>();
        await using var answering = await edge.ConnectAsAsync("alice", ct);
        // No client keep-alive and, below, no pending receive: pings from the edge go unanswered.
        await using var silent = await edge.ConnectAsync(ct, options => options.KeepAliveInterval = TimeSpan.Zero, query: "access_token=" + edge.Token("bob"));
        await silent.ReceiveAsync("auth:ok", ct);
        var pending = answering.ReceiveAsync("never-sent", ct);

        // Keep-alive runs on the edge's clock: step it half a second at a time, past the 30 s interval
        // and the 10 s timeout, while the answering client's pongs come back in real time.
        await Eventually.UntilAsync(
            () =>
            {
                edge.Time.Advance(TimeSpan.FromMilliseconds(500));
                return registry.All.All(c => c.Identity?.UserId != "bob");
            },
            TimeSpan.FromSeconds(30),
            ct,
            "the silent client is dropped");

        Assert.Contains(registry.All, c => c.Identity?.UserId == "alice");
        Assert.False(pending.IsCompleted);
    }

    [Fact]
    public async Task Shutdown_tells_clients_to_reconnect_closes_with_1012_and_deregisters_the_edge()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var client = await edge.ConnectAsAsync("alice", ct);
        var closing = client.ReceiveCloseAsync(ct);

        await edge.StopEdgeAsync();

        var (code, _, frames) = await closing;
        var reconnect = Assert.Single(frames, f => f.GetProperty("type").GetString() == "reconnect");
        Assert.InRange(reconnect.GetProperty("retryAfterMs").GetInt64(), 0, 5000);
        Assert.False(string.IsNullOrEmpty(reconnect.GetProperty("reason").GetString()));
        Assert.Equal(CloseCodes.ServiceRestart, code);
        Assert.Contains($"DeregisterEdge {edge.EdgeId}", edge.Upstream.Presence.CallLog);
    }

    [Fact]
    public async Task Edge_registers_its_lease_with_presence_at_start()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);

        await Eventually.UntilAsync(() => edge.Upstream.Presence.Leases.ContainsKey(edge.EdgeId), TimeSpan.FromSeconds(5), ct, "the edge registers");
    }
}
