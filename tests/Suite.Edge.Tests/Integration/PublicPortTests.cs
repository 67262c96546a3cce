using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;
using Suite.Edge.Protocol;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>What the edge's public WebSocket port refuses: floods, too many connections, foreign origins, ignored closes.</summary>
public sealed class PublicPortTests
{
    [Fact]
    public async Task A_close_the_client_starts_is_answered_with_the_edges_close_frame()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var client = await edge.ConnectAsAsync("carol", ct);

        // ClientWebSocket.CloseAsync completes only once the edge's close frame came back (RFC 6455 §5.5.1).
        await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal(WebSocketState.Closed, client.Socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.Socket.CloseStatus);
    }

    [Fact]
    public async Task Plain_requests_to_the_websocket_path_do_not_use_up_admissions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:AdmissionsPerSecond"] = "2" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        // The clock does not move: without the fix these would spend this second's two admissions.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/ws", ct)).StatusCode);
            await using var keyless = await RawClient.ConnectAsync(edge.Port, ct);
            await keyless.SendAsync(RawClient.Upgrade(key: null), ct);
            Assert.StartsWith("HTTP/1.1 400 ", await keyless.ReadToEndAsync(ct), StringComparison.Ordinal);
        }

        await using var first = await edge.ConnectAsAsync("alice", ct);
        await using var second = await edge.ConnectAsAsync("bob", ct);
    }

    [Fact]
    public async Task Browser_upgrade_from_an_origin_outside_the_allowlist_gets_403()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:AllowedOrigins:0"] = "https://app.example" });

        using var foreign = new ClientWebSocket();
        foreign.Options.CollectHttpResponseDetails = true;
        foreign.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(edge.WebSocketUri, ct));
        await using var allowed = await edge.ConnectAsync(ct, options => options.SetRequestHeader("Origin", "https://APP.example"));
        await using var notBrowser = await edge.ConnectAsync(ct);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.HttpStatusCode);
        Assert.Equal(WebSocketState.Open, allowed.Socket.State);
        Assert.Equal(WebSocketState.Open, notBrowser.Socket.State);
    }

    [Fact]
    public async Task Upgrade_on_a_reused_http_connection_from_a_foreign_origin_gets_403_too()
    {
        // Such an upgrade reaches Kestrel's HTTP pipeline (the /ws endpoint), not the edge's own handshake.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:AllowedOrigins:0"] = "https://app.example" });
        await using var client = await RawClient.ConnectAsync(edge.Port, ct);
        await client.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);
        Assert.StartsWith("HTTP/1.1 200 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);

        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: "Origin: https://evil.example\r\nConnection: close\r\n"), ct);

        var response = await client.ReadToEndAsync(ct);
        Assert.Contains("HTTP/1.1 403 ", response, StringComparison.Ordinal);
        Assert.Contains(ConnectionAcceptor.OriginNotAllowedMessage, response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_beyond_the_per_address_cap_get_429_until_one_closes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:MaxConnectionsPerIp"] = "2" });
        await using var first = await edge.ConnectAsync(ct);
        await using var second = await edge.ConnectAsync(ct);

        await using var third = await RawClient.ConnectAsync(edge.Port, ct);
        await third.SendAsync(RawClient.Upgrade(key: RawClient.NewKey()), ct);
        var refused = await third.ReadToEndAsync(ct);

        Assert.StartsWith("HTTP/1.1 429 ", refused, StringComparison.Ordinal);
        Assert.Contains("Retry-After:", refused, StringComparison.Ordinal);
        Assert.EndsWith("too many connections from this address", refused, StringComparison.Ordinal);

        first.Socket.Abort();
        await Eventually.UntilAsync(() => TryConnectAsync(edge, ct), connected => connected, TimeSpan.FromSeconds(10), ct, "a place is free again after a close");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upgrades_refused_by_the_per_address_cap_do_not_use_up_admissions(bool onReusedHttpConnection)
    {
        // An address at its cap that keeps upgrading must not lock out the clients of other addresses.
        // The reused HTTP connection reaches Kestrel's pipeline (the /ws endpoint), not the edge's own handshake.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string>
        {
            ["Connections:MaxConnectionsPerIp"] = "1",
            ["Connections:AdmissionsPerSecond"] = "2",
        });
        var registry = edge.Services.GetRequiredService<ConnectionRegistry>();
        await using var first = await edge.ConnectAsync(ct);

        // The clock does not move: without the fix the first of these spends this second's last admission.
        for (var i = 0; i < 3; i++)
        {
            await using var over = await RawClient.ConnectAsync(edge.Port, ct);
            if (onReusedHttpConnection)
            {
                await over.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);
                Assert.StartsWith("HTTP/1.1 200 ", await over.ReadHeadAsync(ct), StringComparison.Ordinal);
            }

            // The edge's own handshake closes after a refusal; Kestrel keeps the connection unless asked.
            await over.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: onReusedHttpConnection ? "Connection: close\r\n" : ""), ct);
            var refused = await over.ReadToEndAsync(ct);
            Assert.Contains("HTTP/1.1 429 ", refused, StringComparison.Ordinal);
            // The address cap's answer, not the admission rate's (429 without a body): no admission was spent.
            Assert.Contains(ConnectionAcceptor.TooManyFromAddressMessage, refused, StringComparison.Ordinal);
        }

        first.Socket.Abort();
        await Eventually.UntilAsync(() => registry.Count == 0, TimeSpan.FromSeconds(10), ct, "the first connection is gone");
        await Eventually.UntilAsync(() => TryConnectAsync(edge, ct), connected => connected, TimeSpan.FromSeconds(10), ct, "an admission is left for a connection within the cap");
    }

    [Fact]
    public async Task Connections_beyond_the_per_user_cap_get_too_many_connections_and_close_4004()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:MaxConnectionsPerUser"] = "2" });
        await using var first = await edge.ConnectAsAsync("alice", ct);
        await using var second = await edge.ConnectAsAsync("alice", ct);

        await using var third = await edge.ConnectAsync(ct);
        await third.SendAsync(new { type = "auth", token = edge.Token("alice") }, ct);
        var (code, _, frames) = await third.ReceiveCloseAsync(ct);
        await using var otherUser = await edge.ConnectAsAsync("bob", ct);

        Assert.Equal(CloseCodes.TooManyConnections, code);
        Assert.Equal(ErrorCodes.TooManyConnections, Assert.Single(frames).GetProperty("code").GetString());
        Assert.Equal(2, edge.Upstream.Presence.Connections.Count(c => c.UserId == "alice"));

        var registry = edge.Services.GetRequiredService<ConnectionRegistry>();
        first.Socket.Abort();
        await Eventually.UntilAsync(() => registry.Find(first.ConnectionId!) is null, TimeSpan.FromSeconds(10), ct, "alice's first connection is gone");
        await using var again = await edge.ConnectAsAsync("alice", ct);
    }

    [Theory]
    [InlineData(CloseCodes.AuthFailed)]
    [InlineData(CloseCodes.IdleTimeout)]
    [InlineData(CloseCodes.TokenExpired)]
    public async Task Client_that_ignores_the_servers_close_loses_its_socket_after_the_close_timeout(int closeCode)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string>
        {
            ["Connections:CloseTimeout"] = "00:00:03",
            ["Connections:IdleTimeout"] = closeCode == CloseCodes.IdleTimeout ? "00:00:10" : "01:00:00",
            // This client never answers pings either: the heartbeat must not be what drops it.
            ["Connections:HeartbeatInterval"] = "01:00:00",
        });
        await using var client = await RawClient.ConnectAsync(edge.Port, ct);
        var query = closeCode == CloseCodes.AuthFailed ? "" : "?access_token=" + edge.Token("carol", TimeSpan.FromMinutes(1));
        await client.SendAsync(RawClient.Upgrade("/ws" + query, RawClient.NewKey()), ct);
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        if (closeCode != CloseCodes.AuthFailed)
        {
            Assert.Contains("auth:ok", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
        }

        var registry = edge.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.UntilAsync(() => registry.Count == 1, TimeSpan.FromSeconds(10), ct, "the edge registered the connection");

        // Past the auth timeout (5 s), the idle timeout (10 s) or the token's minute and the clock
        // skew: the edge closes with the code, and this client never answers the close.
        edge.Time.Advance(closeCode switch
        {
            CloseCodes.AuthFailed => TimeSpan.FromSeconds(6),
            CloseCodes.IdleTimeout => TimeSpan.FromSeconds(11),
            _ => TimeSpan.FromMinutes(2),
        });
        var (opcode, payload) = await client.ReadFrameAsync(ct);
        Assert.Equal(8, opcode);
        Assert.Equal(closeCode, (payload[0] << 8) | payload[1]);

        edge.Time.Advance(TimeSpan.FromSeconds(3));

        Assert.True(await client.ClosedAsync(ct));
    }

    private static async Task<bool> TryConnectAsync(EdgeHost edge, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await edge.ConnectAsync(cancellationToken);
            return true;
        }
        catch (WebSocketException)
        {
            return false;
        }
    }
}
