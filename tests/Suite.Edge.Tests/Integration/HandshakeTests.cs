using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Integration;

/// <summary>The edge's own RFC 6455 handshake on its listen port, beside Kestrel's HTTP pipeline on the same port.</summary>
public sealed class HandshakeTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Upgrade_with_a_query_token_gets_101_with_the_accept_key_and_then_auth_ok()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);
        var key = RawClient.NewKey();

        await client.SendAsync(RawClient.Upgrade("/ws?access_token=" + _edge.Token("alice"), key), ct);

        var head = await client.ReadHeadAsync(ct);
        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
        Assert.Contains($"Sec-WebSocket-Accept: {ClientHandshake.AcceptKey(key)}\r\n", head, StringComparison.Ordinal);
        Assert.Contains("Upgrade: websocket\r\n", head, StringComparison.OrdinalIgnoreCase);
        var ok = JsonDocument.Parse(await client.ReadTextFrameAsync(ct)).RootElement;
        Assert.Equal("auth:ok", ok.GetProperty("type").GetString());
        Assert.Equal("alice", ok.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Upgrade_with_a_bearer_header_authenticates_at_upgrade()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);

        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: $"Authorization: Bearer {_edge.Token("bob")}\r\n"), ct);

        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        var ok = JsonDocument.Parse(await client.ReadTextFrameAsync(ct)).RootElement;
        Assert.Equal("bob", ok.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task First_frame_sent_in_the_same_packet_as_the_request_is_not_lost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);
        var request = System.Text.Encoding.ASCII.GetBytes(RawClient.Upgrade(key: RawClient.NewKey()));
        var auth = RawClient.TextFrame(JsonSerializer.Serialize(new { type = "auth", token = _edge.Token("carol") }));

        await client.SendAsync([.. request, .. auth], ct);

        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        var ok = JsonDocument.Parse(await client.ReadTextFrameAsync(ct)).RootElement;
        Assert.Equal("auth:ok", ok.GetProperty("type").GetString());
        Assert.Equal("carol", ok.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Request_split_across_many_writes_still_upgrades()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);
        var request = RawClient.Upgrade("/ws?access_token=" + _edge.Token("dave"), RawClient.NewKey());

        foreach (var piece in request.Chunk(7))
        {
            await client.SendAsync(new string(piece), ct);
        }

        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        Assert.Contains("\"dave\"", await client.ReadTextFrameAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_whole_upgrade_runs_on_the_edges_own_listener_and_a_head_past_its_peek_on_kestrels()
    {
        var ct = TestContext.Current.CancellationToken;
        var registry = _edge.Services.GetRequiredService<ConnectionRegistry>();
        await using var whole = await RawClient.ConnectAsync(_edge.Port, ct);
        await whole.SendAsync(RawClient.Upgrade("/ws?access_token=" + _edge.Token("erin"), RawClient.NewKey()), ct);
        Assert.StartsWith("HTTP/1.1 101 ", await whole.ReadHeadAsync(ct), StringComparison.Ordinal);
        Assert.Contains("\"erin\"", await whole.ReadTextFrameAsync(ct), StringComparison.Ordinal);

        // More than the listener peeks at (4 KB) but within Kestrel's header limits: Kestrel reads the
        // head, the edge's handshake in front of its HTTP pipeline answers it.
        await using var padded = await RawClient.ConnectAsync(_edge.Port, ct);
        await padded.SendAsync(RawClient.Upgrade("/ws?access_token=" + _edge.Token("frank"), RawClient.NewKey(), extra: $"X-Padding: {new string('p', 6000)}\r\n"), ct);
        Assert.StartsWith("HTTP/1.1 101 ", await padded.ReadHeadAsync(ct), StringComparison.Ordinal);
        Assert.Contains("\"frank\"", await padded.ReadTextFrameAsync(ct), StringComparison.Ordinal);

        Assert.True(registry.All.Single(c => c.Identity?.UserId == "erin").Transport!.OwnsSocket);
        Assert.False(registry.All.Single(c => c.Identity?.UserId == "frank").Transport!.OwnsSocket);
    }

    [Fact]
    public async Task Unsupported_websocket_version_gets_426_naming_version_13()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);

        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), version: "8"), ct);

        var response = await client.ReadToEndAsync(ct);
        Assert.StartsWith("HTTP/1.1 426 ", response, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Version: 13\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upgrade_without_a_key_gets_400()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);

        await client.SendAsync(RawClient.Upgrade(key: null), ct);

        Assert.StartsWith("HTTP/1.1 400 ", await client.ReadToEndAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_get_of_the_websocket_path_gets_the_endpoints_400_and_health_is_served_on_the_same_port()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_edge.Port}") };

        var plain = await http.GetAsync("/ws", ct);
        var health = await http.GetAsync("/healthz", ct);

        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Equal(ClientHandshake.NotWebSocketMessage, await plain.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Health_request_sent_in_pieces_is_served_by_http()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);

        await client.SendAsync("GE", ct);
        await client.SendAsync("T /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 200 ", await client.ReadToEndAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_flood_beyond_kestrels_limit_is_refused_with_431()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);
        var flood = string.Concat(Enumerable.Range(0, 40).Select(i => $"X-Flood-{i}: {new string('a', 1000)}\r\n"));

        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: flood), ct);

        Assert.StartsWith("HTTP/1.1 431 ", await client.ReadToEndAsync(ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_instead_of_a_request_gets_400_from_http()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);

        await client.SendAsync("GET /ws\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 400 ", await client.ReadToEndAsync(ct), StringComparison.Ordinal);
    }
}
