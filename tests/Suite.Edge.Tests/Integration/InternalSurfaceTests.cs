using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Suite.Contracts.Edge.V1;
using Suite.ServiceDefaults;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// The edge's two surfaces (Surfaces/InternalPort.cs) and the app API token on its Dapr callbacks
/// (ServiceDefaults' AppApiToken): a client that reaches /ws cannot POST a delivery, and the
/// internal port takes deliveries only from a caller that knows the token. The emulator sidecar
/// calls the edge with APP_API_TOKEN and requires DAPR_API_TOKEN, as EdgeHost sets them.
/// </summary>
public sealed class InternalSurfaceTests
{
    private static readonly Dictionary<string, string> HttpDeliveries = new() { ["Edge:DeliverySubscription"] = "Http" };

    [Fact]
    public async Task The_public_port_refuses_dapr_callbacks_so_a_client_cannot_broadcast()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, HttpDeliveries);
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        using var forged = await client.PostAsync("/dapr/deliveries", Everyone(edge, "forged"), ct);
        using var forgedUrgent = await client.PostAsync("/dapr/deliveries/urgent", Everyone(edge, "forged-urgent"), ct);
        using var subscriptions = await client.GetAsync("/dapr/subscribe", ct);

        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forgedUrgent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, subscriptions.StatusCode);
        // The sidecar's own deliveries still arrive, and the next frame the client sees is one of them.
        await edge.PublishRawAsync(urgent: false, edge.Payload("alice", "tick", 1), ct);
        Assert.Equal("tick", (await alice.ReceiveAsync(ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_internal_port_takes_deliveries_only_with_the_app_api_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, HttpDeliveries);
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        using var sidecarSide = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.InternalPort}") };

        using var withoutToken = await sidecarSide.PostAsync("/dapr/deliveries", Everyone(edge, "forged"), ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/dapr/deliveries") { Content = Everyone(edge, "forged") };
        wrong.Headers.Add("dapr-api-token", EdgeHost.AppApiToken + "x");
        using var withWrongToken = await sidecarSide.SendAsync(wrong, ct);
        using var listWithoutToken = await sidecarSide.GetAsync("/dapr/subscribe", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withWrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, listWithoutToken.StatusCode);
        // Health stays open for probes, which carry no token.
        Assert.Equal(HttpStatusCode.OK, (await sidecarSide.GetAsync("/healthz", ct)).StatusCode);
        // The sidecar, which sends the token, delivers over HTTP as before.
        await edge.PublishRawAsync(urgent: true, edge.Payload("alice", "alert", 2), ct);
        Assert.Equal("alert", (await alice.ReceiveAsync(ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_internal_port_serves_no_websocket_clients()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var socket = new ClientWebSocket();

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{edge.InternalPort}/ws?access_token={edge.Token("alice")}"), ct));

        Assert.Contains("404", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edge_beside_a_sidecar_that_requires_the_dapr_api_token_streams_and_publishes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        await using var bob = await edge.ConnectAsAsync("bob", ct);

        // Delivery over the streaming subscription (a gRPC stream to the sidecar), and a direct
        // message to a user on another edge, which the edge publishes through the sidecar: both
        // carry the token or fail (a recipient on this edge would get it without the sidecar).
        await edge.Upstream.Presence.Connect(new Suite.Contracts.Presence.V1.ConnectRequest { UserId = "carol", EdgeId = "edge-elsewhere", ConnectionId = "carol-1" }, null!);
        await edge.PublishRawAsync(urgent: false, edge.Payload("alice", "tick", 1), ct);
        await bob.SendAsync(new { type = "direct", to = "carol", content = "hi" }, ct);
        await bob.SendAsync(new { type = "ping" }, ct);

        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
        Assert.Equal("pong", (await bob.ReceiveAsync(ct)).GetProperty("type").GetString());
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{edge.Port}/readyz", ct)).StatusCode);
    }

    private static ByteArrayContent Everyone(EdgeHost edge, string type)
    {
        var content = new ByteArrayContent(EdgeDeliveryCodec.ToPayload(new EdgeDelivery
        {
            EdgeId = edge.EdgeId,
            Everyone = true,
            Message = new ServerMessage { Id = type + "-1", Type = type, Json = $$"""{"type":"{{type}}"}""" },
        }));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}
