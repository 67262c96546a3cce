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
        await using var recipient = await _edge.ConnectAsAsync("dana", ct);
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
}
