using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// permessage-deflate (RFC 7692) on real sockets: negotiated only when the edge's setting is on,
/// server frames compressed once and readable in every encoding, compressed client frames read,
/// bad compressed data refused with a close code that says so.
/// </summary>
public sealed class PermessageDeflateTests(PermessageDeflateTests.Edges edges) : IClassFixture<PermessageDeflateTests.Edges>
{
    private const string Offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    private const string Accepted = "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n";

    // Large enough to pass Connections:DeflateMinBytes (256) in every encoding, and compressible.
    private static readonly string Text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog; ", 30));

    public static TheoryData<string> Subprotocols() => [.. WireEncoding.All.Select(e => e.Subprotocol)];

    [Fact]
    public async Task An_offer_gets_the_extension_only_when_the_setting_is_on_and_the_offer_is_acceptable()
    {
        var ct = TestContext.Current.CancellationToken;

        Assert.Contains(Accepted, await HeadAsync(edges.Deflate, Offer, ct), StringComparison.Ordinal);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", await HeadAsync(edges.Plain, Offer, ct), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", await HeadAsync(edges.Deflate, "", ct), StringComparison.OrdinalIgnoreCase);
        // A window the edge cannot keep to is declined, and the next offer taken.
        Assert.DoesNotContain("Sec-WebSocket-Extensions", await HeadAsync(edges.Deflate, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n", ct), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Accepted, await HeadAsync(edges.Deflate, "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10, permessage-deflate\r\n", ct), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Subprotocols))]
    public async Task A_room_message_reaches_a_deflate_member_compressed_and_a_plain_member_as_the_same_frame(string subprotocol)
    {
        var ct = TestContext.Current.CancellationToken;
        var encoding = WireEncoding.Named(subprotocol);
        var edge = edges.Deflate;
        var room = "deflate-" + subprotocol;
        await using var plain = await edge.ConnectAsAsync("plain-" + subprotocol, ct, encoding: encoding);
        await plain.SendAsync(new { type = "join", roomId = room }, ct);
        await plain.ReceiveAsync("joined", ct);
        // The sender's library compresses what it sends: the edge reads compressed client frames.
        await using var sender = await ConnectDeflateAsync(edge, "sender-" + subprotocol, encoding, ct);
        await sender.SendAsync(new { type = "join", roomId = room }, ct);
        await sender.ReceiveAsync("joined", ct);
        // A deflate member whose library inflates what it reads.
        await using var library = await ConnectDeflateAsync(edge, "library-" + subprotocol, encoding, ct);
        await library.SendAsync(new { type = "join", roomId = room }, ct);
        await library.ReceiveAsync("joined", ct);
        await using var raw = await RawDeflateClientAsync(edge, "raw-" + subprotocol, encoding, ct);
        await raw.SendAsync(RawClient.Frame(encoding.Binary ? 2 : 1, fin: true, DeflateData.Deflate(encoding.EncodeClientFrame($$"""{"type":"join","roomId":"{{room}}"}""")), compressed: true), ct);
        await ReadUntilAsync(raw, encoding, "joined", ct);

        await sender.SendFrameAsync(JsonSerializer.Serialize(new { type = "message", roomId = room, content = new { text = Text } }), ct);

        var (compressed, deflated) = await ReadUntilAsync(raw, encoding, "message", ct);
        var plainCopy = await plain.ReceiveAsync("message", ct);
        Assert.True(compressed, "the message frame came without RSV1");
        Assert.Equal(Text, deflated["content"]!["text"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(plainCopy.GetRawText()), deflated), $"plain {plainCopy.GetRawText()} vs deflate {deflated.ToJsonString()}");
        var libraryCopy = await library.ReceiveAsync("message", ct);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(libraryCopy.GetRawText()), deflated));
    }

    [Fact]
    public async Task A_small_frame_goes_uncompressed_and_without_the_offer_nothing_is_compressed()
    {
        var ct = TestContext.Current.CancellationToken;
        var edge = edges.Deflate;
        await using var raw = await RawDeflateClientAsync(edge, "small", WireEncoding.Json, ct);
        await raw.SendAsync(RawClient.Frame(1, fin: true, DeflateData.Deflate("""{"type":"ping","id":"p1"}"""u8.ToArray()), compressed: true), ct);
        var (compressed, pong) = await ReadUntilAsync(raw, WireEncoding.Json, "pong", ct);
        Assert.False(compressed, "a pong of a few dozen bytes was compressed");
        Assert.Equal("p1", pong["ref"]!.GetValue<string>());

        // A client that offered nothing gets a large room message as it always did.
        await using var plain = await RawClient.ConnectAsync(edge.Port, ct);
        await plain.SendAsync(RawClient.Upgrade("/ws?access_token=" + edge.Token("no-offer"), RawClient.NewKey()), ct);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", await plain.ReadHeadAsync(ct), StringComparison.OrdinalIgnoreCase);
        await plain.SendAsync(RawClient.TextFrame("""{"type":"join","roomId":"no-offer"}"""), ct);
        await ReadUntilAsync(plain, WireEncoding.Json, "joined", ct);
        await raw.SendAsync(RawClient.TextFrame("""{"type":"join","roomId":"no-offer"}"""), ct);
        await ReadUntilAsync(raw, WireEncoding.Json, "joined", ct);
        await raw.SendAsync(RawClient.TextFrame(JsonSerializer.Serialize(new { type = "message", roomId = "no-offer", content = new { text = Text } })), ct);
        var (plainCompressed, message) = await ReadUntilAsync(plain, WireEncoding.Json, "message", ct);
        Assert.False(plainCompressed);
        Assert.Equal(Text, message["content"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_runtime_socket_s_own_frames_stay_uncompressed_on_a_deflate_connection()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var raw = await RawDeflateClientAsync(edges.Deflate, "control", WireEncoding.Json, ct);

        // The runtime answers a ping with a pong and a close with a close: control frames, never compressed.
        await raw.SendAsync(RawClient.Frame(9, fin: true, "hi"u8.ToArray()), ct);
        Assert.Equal(0x8A, (await NextOfKindAsync(raw, 0xA, ct)).First);
        await raw.SendAsync(RawClient.Frame(8, fin: true, [0x03, 0xE8]), ct);
        var (first, payload) = await NextOfKindAsync(raw, 0x8, ct);
        Assert.Equal(0x88, first);
        Assert.Equal(1000, (payload[0] << 8) | payload[1]);
    }

    private static async Task<(byte First, byte[] Payload)> NextOfKindAsync(RawClient raw, int opcode, CancellationToken ct)
    {
        while (true)
        {
            var frame = await raw.ReadFrameWithFlagsAsync(ct);
            if ((frame.First & 0x0F) == opcode)
            {
                return frame;
            }
        }
    }

    [Fact]
    public async Task Compressed_data_that_does_not_inflate_closes_with_1007_and_says_why()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var raw = await RawDeflateClientAsync(edges.Deflate, "corrupt", WireEncoding.Json, ct);

        // BFINAL=1, BTYPE=11: a block type deflate reserves, so no inflater accepts it.
        await raw.SendAsync(RawClient.Frame(1, fin: true, [0xFF, 0xFF, 0xFF, 0xFF], compressed: true), ct);

        var (code, reason) = await ReadCloseAsync(raw, ct);
        Assert.Equal(1007, code);
        Assert.Equal("invalid compressed data", reason);
    }

    [Fact]
    public async Task A_compressed_frame_without_the_extension_is_a_protocol_error()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var raw = await RawClient.ConnectAsync(edges.Plain.Port, ct);
        await raw.SendAsync(RawClient.Upgrade("/ws?access_token=" + edges.Plain.Token("rsv1"), RawClient.NewKey(), extra: Offer), ct);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", await raw.ReadHeadAsync(ct), StringComparison.OrdinalIgnoreCase);

        await raw.SendAsync(RawClient.Frame(1, fin: true, DeflateData.Deflate("""{"type":"ping"}"""u8.ToArray()), compressed: true), ct);

        Assert.Equal(1002, (await ReadCloseAsync(raw, ct)).Code);
    }

    private static async Task<string> HeadAsync(EdgeHost edge, string extra, CancellationToken ct)
    {
        await using var client = await RawClient.ConnectAsync(edge.Port, ct);
        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey(), extra: extra), ct);
        var head = await client.ReadHeadAsync(ct);
        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        return head;
    }

    // The .NET client with compression on; its 101 must have accepted it.
    private static async Task<TestClient> ConnectDeflateAsync(EdgeHost edge, string userId, WireEncoding encoding, CancellationToken ct)
    {
        var client = await edge.ConnectAsync(
            ct,
            options =>
            {
                options.DangerousDeflateOptions = new WebSocketDeflateOptions();
                options.CollectHttpResponseDetails = true;
            },
            query: "access_token=" + edge.Token(userId),
            encoding: encoding);
        Assert.Contains("server_no_context_takeover", string.Join(",", client.Socket.HttpResponseHeaders!["Sec-WebSocket-Extensions"]), StringComparison.Ordinal);
        await client.ReceiveAsync("auth:ok", ct);
        return client;
    }

    private static async Task<RawClient> RawDeflateClientAsync(EdgeHost edge, string userId, WireEncoding encoding, CancellationToken ct)
    {
        var raw = await RawClient.ConnectAsync(edge.Port, ct);
        await raw.SendAsync(RawClient.Upgrade("/ws?access_token=" + edge.Token(userId), RawClient.NewKey(), extra: $"Sec-WebSocket-Protocol: {encoding.Subprotocol}\r\n{Offer}"), ct);
        Assert.Contains(Accepted, await raw.ReadHeadAsync(ct), StringComparison.Ordinal);
        await ReadUntilAsync(raw, encoding, "auth:ok", ct);
        return raw;
    }

    // Server frames until one of the type, each inflated when RSV1 is set and decoded from the encoding.
    private static async Task<(bool Compressed, JsonNode Frame)> ReadUntilAsync(RawClient raw, WireEncoding encoding, string type, CancellationToken ct)
    {
        while (true)
        {
            var (first, payload) = await raw.ReadFrameWithFlagsAsync(ct);
            Assert.Equal(0x80, first & 0xB0); // final, RSV2 and RSV3 clear
            Assert.Equal(encoding.Binary ? 2 : 1, first & 0x0F);
            var compressed = (first & 0x40) != 0;
            var frame = JsonNode.Parse(encoding.DecodeServerFrame(compressed ? DeflateData.Inflate(payload) : payload))!;
            if (frame["type"]!.GetValue<string>() == type)
            {
                return (compressed, frame);
            }
        }
    }

    private static async Task<(int Code, string Reason)> ReadCloseAsync(RawClient raw, CancellationToken ct)
    {
        while (true)
        {
            var (opcode, payload) = await raw.ReadFrameAsync(ct);
            if (opcode == 8)
            {
                return ((payload[0] << 8) | payload[1], Encoding.UTF8.GetString(payload, 2, payload.Length - 2));
            }
        }
    }

    /// <summary>An edge with permessage-deflate on and one with the default (off).</summary>
    public sealed class Edges : IAsyncLifetime
    {
        public EdgeHost Deflate { get; private set; } = null!;

        public EdgeHost Plain { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            var deflate = EdgeHost.StartAsync(CancellationToken.None, new Dictionary<string, string> { ["Connections:PermessageDeflate"] = "true" });
            var plain = EdgeHost.StartAsync(CancellationToken.None);
            Deflate = await deflate;
            Plain = await plain;
        }

        public async ValueTask DisposeAsync()
        {
            await Deflate.DisposeAsync();
            await Plain.DisposeAsync();
        }
    }
}
