using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// The four encodings by subprotocol (architecture.md, "Binary encodings by subprotocol"), with real
/// WebSocket clients that speak each through the libraries (Suite.Testing.WireEncoding), not through
/// the edge's own codecs.
/// </summary>
public sealed class EncodingTests(EncodingTests.SharedEdge shared) : IClassFixture<EncodingTests.SharedEdge>
{
    // Every kind of JSON value a client's content may hold, nested.
    private const string Content = """
        {"text":"héllo \"wörld\" ✓","n":42,"neg":-7,"big":9007199254740991,"pi":3.25,"yes":true,"no":false,
         "nothing":null,"list":[1,"two",[3.5,{"four":4}],null],"empty":{},"none":[]}
        """;

    private readonly EdgeHost _edge = shared.Edge;

    public static TheoryData<string> Subprotocols() => [.. WireEncoding.All.Select(e => e.Subprotocol)];

    [Theory]
    [MemberData(nameof(Subprotocols))]
    public async Task Each_encoding_is_negotiated_and_answers_auth_join_ping_and_messages_in_that_encoding(string subprotocol)
    {
        var ct = TestContext.Current.CancellationToken;
        var encoding = WireEncoding.Named(subprotocol);
        // Users and room of this encoding only: the tests share one edge.
        var room = "lobby-" + subprotocol;
        await using var alice = await _edge.ConnectAsAsync("alice-" + subprotocol, ct, encoding: encoding);
        await using var bob = await _edge.ConnectAsAsync("bob-" + subprotocol, ct, encoding: encoding);

        // The 101 echoed it; and every frame the clients read came as the encoding's kind of message.
        Assert.Equal(subprotocol, alice.Socket.SubProtocol);
        foreach (var client in new[] { alice, bob })
        {
            await client.SendAsync(new { type = "join", roomId = room, id = "j1" }, ct);
            var joined = await client.ReceiveAsync("joined", ct);
            Assert.Equal(room, joined.GetProperty("roomId").GetString());
            Assert.Equal("j1", joined.GetProperty("ref").GetString());
        }

        await alice.SendAsync(new { type = "ping", id = "p1" }, ct);
        var pong = await alice.ReceiveAsync("pong", ct);
        Assert.Equal("p1", pong.GetProperty("ref").GetString());
        Assert.True(pong.GetProperty("ts").GetInt64() > 0);

        await alice.SendFrameAsync($$"""{"type":"message","roomId":"{{room}}","content":{{Content}}}""", ct);
        var message = await bob.ReceiveAsync("message", ct);
        Assert.Equal("alice-" + subprotocol, message.GetProperty("from").GetString());
        Assert.True(message.GetProperty("seq").GetInt64() > 0);
        AssertSameJson(Content, message.GetProperty("content"));

        // A bad frame gets an error in the encoding, and the connection goes on.
        await alice.SendAsync(new { type = "join", id = "j2" }, ct);
        var error = await alice.ReceiveAsync("error", ct);
        Assert.Equal("missing_field", error.GetProperty("code").GetString());
        Assert.Equal("j2", error.GetProperty("ref").GetString());
        await alice.SendAsync(new { type = "ping" }, ct);
        await alice.ReceiveAsync("pong", ct);
    }

    [Fact]
    public async Task A_room_message_sent_in_one_encoding_reaches_members_using_each_of_the_others()
    {
        var ct = TestContext.Current.CancellationToken;
        var clients = new List<TestClient>();
        try
        {
            foreach (var encoding in WireEncoding.All)
            {
                var client = await _edge.ConnectAsAsync("user-" + encoding.Subprotocol, ct, encoding: encoding);
                clients.Add(client);
                await client.SendAsync(new { type = "join", roomId = "mixed" }, ct);
                await client.ReceiveAsync("joined", ct);
            }

            foreach (var sender in clients)
            {
                var text = "from " + sender.Encoding!.Subprotocol;
                await sender.SendFrameAsync("""{"type":"message","roomId":"mixed","content":{"text":""" + "\"" + text + "\",\"body\":" + Content + "}}", ct);
                var copies = new List<JsonElement>();
                foreach (var receiver in clients.Where(c => c != sender))
                {
                    var message = await receiver.ReceiveAsync(f => f.GetProperty("type").GetString() == "message" && f.GetProperty("content").GetProperty("text").GetString() == text, ct);
                    AssertSameJson(Content, message.GetProperty("content").GetProperty("body"));
                    copies.Add(message);
                }

                // One delivery: the same id and seq whatever encoding it was written in.
                Assert.Single(copies.Select(c => (c.GetProperty("id").GetString(), c.GetProperty("seq").GetInt64())).Distinct());
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Offering_only_unknown_subprotocols_is_refused_with_400_naming_the_supported_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);

        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: "Sec-WebSocket-Protocol: chat.v2, gateway.v2.json\r\n"), ct);

        var response = await client.ReadToEndAsync(ct);
        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
        foreach (var supported in WireEncoding.All)
        {
            Assert.Contains(supported.Subprotocol, response, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_first_supported_subprotocol_offered_is_chosen_and_none_offered_means_json_without_a_header()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var offering = await RawClient.ConnectAsync(_edge.Port, ct);
        await offering.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: "Sec-WebSocket-Protocol: chat.v2, gateway.v1.cbor\r\nSec-WebSocket-Protocol: gateway.v1.msgpack\r\n"), ct);
        var chosen = await offering.ReadHeadAsync(ct);
        Assert.StartsWith("HTTP/1.1 101", chosen, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Protocol: gateway.v1.cbor\r\n", chosen, StringComparison.Ordinal);

        await using var plain = await RawClient.ConnectAsync(_edge.Port, ct);
        await plain.SendAsync(RawClient.Upgrade(key: RawClient.NewKey()), ct);
        var head = await plain.ReadHeadAsync(ct);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Sec-WebSocket-Protocol", head, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_upgrade_that_reaches_the_http_endpoint_negotiates_the_same_way()
    {
        // An upgrade on a reused keep-alive connection reaches Kestrel's HTTP pipeline (the /ws
        // endpoint), not the edge's own handshake.
        var ct = TestContext.Current.CancellationToken;
        await using var refused = await RawClient.ConnectAsync(_edge.Port, ct);
        await refused.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);
        Assert.StartsWith("HTTP/1.1 200 ", await refused.ReadHeadAsync(ct), StringComparison.Ordinal);
        await refused.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: "Sec-WebSocket-Protocol: chat.v2\r\nConnection: close\r\n"), ct);
        var response = await refused.ReadToEndAsync(ct);
        Assert.Contains("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", WireEncoding.All.Select(e => e.Subprotocol)), response, StringComparison.Ordinal);

        await using var accepted = await RawClient.ConnectAsync(_edge.Port, ct);
        await accepted.SendAsync("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", ct);
        await accepted.ReadHeadAsync(ct);
        // The health answer's chunked body, which ends like a head: read past it to the 101.
        Assert.EndsWith("0\r\n\r\n", await accepted.ReadHeadAsync(ct), StringComparison.Ordinal);
        await accepted.SendAsync(RawClient.Upgrade("/ws?access_token=" + _edge.Token("yara"), RawClient.NewKey(), extra: "Sec-WebSocket-Protocol: gateway.v1.cbor\r\n"), ct);
        var head = await accepted.ReadHeadAsync(ct);
        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Protocol: gateway.v1.cbor", head, StringComparison.OrdinalIgnoreCase);

        var (opcode, payload) = await accepted.ReadFrameAsync(ct);
        Assert.Equal(2, opcode);
        Assert.Equal("auth:ok", JsonNode.Parse(WireEncoding.Cbor.DecodeServerFrame(payload))!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_text_frame_on_a_binary_encoding_and_a_malformed_binary_frame_get_clear_errors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("zoe", ct, encoding: WireEncoding.MessagePack);

        await client.SendTextAsync("""{"type":"ping"}""", ct);
        var wrongKind = await client.ReceiveAsync("error", ct);
        Assert.Equal("text_not_supported", wrongKind.GetProperty("code").GetString());
        Assert.Contains("gateway.v1.msgpack", wrongKind.GetProperty("message").GetString(), StringComparison.Ordinal);

        await client.Socket.SendAsync(new byte[] { 0x93, 0x01 }, WebSocketMessageType.Binary, true, ct);
        var malformed = await client.ReceiveAsync("error", ct);
        Assert.Equal("invalid_json", malformed.GetProperty("code").GetString());
        Assert.Contains("MessagePack", malformed.GetProperty("message").GetString(), StringComparison.Ordinal);

        await client.SendAsync(new { type = "ping" }, ct);
        await client.ReceiveAsync("pong", ct);
    }

    /// <summary>One edge for the class: starting one (with its sidecar and upstream) is most of a test's time.</summary>
    public sealed class SharedEdge : IAsyncLifetime
    {
        public EdgeHost Edge { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Edge = await EdgeHost.StartAsync(CancellationToken.None);

        public ValueTask DisposeAsync() => Edge.DisposeAsync();
    }

    private static void AssertSameJson(string expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.GetRawText())), $"expected {expected}, got {actual.GetRawText()}");
}
