using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// An upstream that fails (a sidecar gone, presence unavailable) costs the client one error frame
/// for the frame that needed it, never its connection, and never the other clean-up steps.
/// </summary>
public sealed class UpstreamFailureTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Direct_whose_publish_fails_in_the_sidecar_gets_an_error_frame_and_the_connection_stays()
    {
        var ct = TestContext.Current.CancellationToken;
        // dana is on another edge: a recipient on this one would get the message without the broker.
        await _edge.Upstream.Presence.Connect(new Suite.Contracts.Presence.V1.ConnectRequest { UserId = "dana", EdgeId = "edge-elsewhere", ConnectionId = "dana-elsewhere" }, null!);
        await using var sender = await _edge.ConnectAsAsync("eve", ct);

        // Presence still answers the lookup; the publish to dana's edge topic is what fails, as a
        // DaprException from the sidecar client rather than an RpcException from a gRPC service.
        await _edge.StopSidecarAsync();
        await sender.SendAsync(new { type = "direct", id = "d-1", to = "dana", content = "psst" }, ct);

        var error = await sender.ReceiveAsync("error", ct);
        Assert.Equal("upstream_unavailable", error.GetProperty("code").GetString());
        Assert.Equal("d-1", error.GetProperty("ref").GetString());
        await sender.SendAsync(new { type = "ping", id = "still-here" }, ct);
        await sender.ReceiveAsync("pong", ct);
    }

    [Fact]
    public async Task Closing_a_connection_while_presence_is_down_still_releases_its_rooms()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await _edge.ConnectAsAsync("hank", ct);
        await client.SendAsync(new { type = "join", roomId = "r-down" }, ct);
        await client.ReceiveAsync("joined", ct);
        _edge.Upstream.Presence.DisconnectFailsWith = Grpc.Core.StatusCode.Unavailable;

        await client.DisposeAsync();

        await Eventually.UntilAsync(() => _edge.Upstream.Presence.CallLog.Contains($"Disconnect hank {client.ConnectionId}"), TimeSpan.FromSeconds(5), ct, "the edge tried presence first");
        await Eventually.UntilAsync(() => _edge.Upstream.Room.CallLog.Contains($"Release {client.ConnectionId}"), TimeSpan.FromSeconds(5), ct, "room drops the memberships anyway");
    }

    [Fact]
    public async Task A_connection_presence_missed_at_connect_is_told_to_it_again_and_then_gets_direct_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        var presence = _edge.Upstream.Presence;
        presence.ConnectFailures = 2;
        await using var ivy = await _edge.ConnectAsAsync("ivy", ct);
        Assert.DoesNotContain(presence.Connections, c => c.ConnectionId == ivy.ConnectionId);

        // Tried again in the background, backing off (1 s, then 2 s) on the edge's clock.
        await Eventually.UntilAsync(
            () =>
            {
                _edge.Time.Advance(ConnectionLifecycle.FirstConnectRetryDelay);
                return presence.Connections.Any(c => c.ConnectionId == ivy.ConnectionId);
            },
            TimeSpan.FromSeconds(10),
            ct,
            "presence hears of the connection");
        Assert.Equal(3, presence.CallLog.Count(c => c == $"Connect ivy {ivy.ConnectionId}"));

        await using var jo = await _edge.ConnectAsAsync("jo", ct);
        await jo.SendAsync(new { type = "direct", to = "ivy", content = "found you" }, ct);
        Assert.Equal("found you", (await ivy.ReceiveAsync("direct", ct)).GetProperty("content").GetString());
    }

    [Fact]
    public async Task While_presence_is_down_the_edge_retries_one_connection_per_round_not_every_connection()
    {
        var ct = TestContext.Current.CancellationToken;
        var presence = _edge.Upstream.Presence;
        presence.ConnectFailures = 1000;
        await using var a = await _edge.ConnectAsAsync("kim", ct);
        await using var b = await _edge.ConnectAsAsync("lou", ct);
        await using var c = await _edge.ConnectAsAsync("max", ct);
        int Connects() => presence.CallLog.Count(call => call.StartsWith("Connect ", StringComparison.Ordinal));
        Assert.Equal(3, Connects());

        // Two rounds (1 s, then 2 s later): one call each, the first failure ends the round. A retry
        // loop per connection called presence three times a round.
        await Eventually.UntilAsync(
            () =>
            {
                _edge.Time.Advance(ConnectionLifecycle.FirstConnectRetryDelay);
                return Connects() >= 5;
            },
            TimeSpan.FromSeconds(10),
            ct,
            "two repair rounds");
        Assert.Equal(5, Connects());

        // Presence is back: the next round tells it of all three.
        presence.ConnectFailures = 0;
        string?[] ids = [a.ConnectionId, b.ConnectionId, c.ConnectionId];
        await Eventually.UntilAsync(
            () =>
            {
                _edge.Time.Advance(ConnectionLifecycle.FirstConnectRetryDelay);
                return ids.All(id => presence.Connections.Any(known => known.ConnectionId == id));
            },
            TimeSpan.FromSeconds(10),
            ct,
            "presence hears of every connection");
    }
}
