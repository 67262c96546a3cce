using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;

namespace Suite.Contracts.Tests;

/// <summary>
/// The one frame writer: each structured message renders to exactly the protocol-v1 frame its producer
/// wrote as JSON before (room's RoomFrames, notification's NotificationFrame, the edge's direct frame):
/// the same names, order and omissions, with content embedded as it is.
/// </summary>
public sealed class ServerMessageJsonTests
{
    private static readonly Timestamp At = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

    private static ByteString Content(string json) => ByteString.CopyFromUtf8(json);

    public static TheoryData<string, string> FramesOfEveryProducer() => new()
    {
        // room: PublishToRoom
        { "room message", """{"type":"message","roomId":"r1","from":"alice","content":"hi","seq":42,"timestamp":1700000000000,"id":"m1"}""" },
        // room: Join / Leave of a user's first / last connection
        { "user:joined", """{"type":"user:joined","userId":"bob","roomId":"r1","timestamp":1700000000000,"id":"j1"}""" },
        { "user:left", """{"type":"user:left","userId":"bob","roomId":"r1","timestamp":1700000000000,"id":"l1"}""" },
        // room: PublishToChannel
        { "channel publication", """{"type":"price_update","channel":"prices.BTC","content":{"p":42},"timestamp":1700000000000,"id":"c1"}""" },
        // notification: users, room or everyone (no channel), and a channel
        { "notification", """{"type":"order_update","content":{"orderId":42,"status":"shipped"},"timestamp":1700000000000,"id":"order-42-shipped"}""" },
        { "notification to a channel", """{"type":"order_update","channel":"orders","content":[1,"two",3.0],"timestamp":1700000000000,"id":"n2"}""" },
        // notification: an acknowledged notification (offline inbox), and the dismissal after an ack
        { "acknowledged notification", """{"type":"order_update","content":{"orderId":42},"ack":true,"timestamp":1700000000000,"id":"n3"}""" },
        { "dismissed", """{"type":"dismissed","ids":["n3","n4"],"timestamp":1700000000000,"id":"x1"}""" },
        // edge: a direct message, published to the recipient's edges
        { "direct", """{"type":"direct","from":"alice","content":{"n":[1, 2]},"timestamp":1700000000000,"id":"d1"}""" },
    };

    private static ServerMessage Structured(string kind) => kind switch
    {
        "room message" => new() { Id = "m1", Type = "message", Timestamp = At, Seq = 42, RoomId = "r1", From = "alice", ContentJson = Content("\"hi\"") },
        "user:joined" => new() { Id = "j1", Type = "user:joined", Timestamp = At, UserId = "bob", RoomId = "r1" },
        "user:left" => new() { Id = "l1", Type = "user:left", Timestamp = At, UserId = "bob", RoomId = "r1" },
        "channel publication" => new() { Id = "c1", Type = "price_update", Timestamp = At, Channel = "prices.BTC", ContentJson = Content("""{"p":42}""") },
        "notification" => new() { Id = "order-42-shipped", Type = "order_update", Timestamp = At, ContentJson = Content("""{"orderId":42,"status":"shipped"}""") },
        "notification to a channel" => new() { Id = "n2", Type = "order_update", Timestamp = At, Channel = "orders", ContentJson = Content("""[1,"two",3.0]""") },
        "acknowledged notification" => new() { Id = "n3", Type = "order_update", Timestamp = At, ContentJson = Content("""{"orderId":42}"""), Ack = true },
        "dismissed" => new() { Id = "x1", Type = "dismissed", Timestamp = At, Ids = { "n3", "n4" } },
        "direct" => new() { Id = "d1", Type = "direct", Timestamp = At, From = "alice", ContentJson = Content("""{"n":[1, 2]}""") },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(FramesOfEveryProducer))]
    public void Every_delivered_frame_renders_byte_for_byte_as_its_producer_wrote_it(string kind, string frame)
    {
        var message = Structured(kind);

        Assert.Equal(frame, ServerMessageJson.ToJson(message));
        Assert.Equal(Encoding.UTF8.GetBytes(frame), ServerMessageJson.ToUtf8(message));
    }

    [Theory]
    [MemberData(nameof(FramesOfEveryProducer))]
    public void A_message_survives_the_topic_and_renders_the_same_afterwards(string kind, string frame)
    {
        var delivery = new EdgeDelivery { EdgeId = "e1", Everyone = true, Message = Structured(kind) };

        var fromProtobuf = EdgeDeliveryCodec.Read(EdgeDeliveryCodec.ToPayload(delivery));
        var fromJson = EdgeDeliveryCodec.Read(Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(delivery)));

        Assert.Equal(frame, ServerMessageJson.ToJson(fromProtobuf.Message));
        Assert.Equal(frame, ServerMessageJson.ToJson(fromJson.Message));
    }

    [Fact]
    public void The_architecture_example_of_a_room_message_has_the_same_fields_and_values()
    {
        // architecture.md lists id before seq; the producers always wrote seq before timestamp, and
        // the order of an object's members carries no meaning, so the rendered frame keeps theirs.
        using var documented = JsonDocument.Parse("""{"type":"message","roomId":"r1","from":"alice","content":"hi","timestamp":1700000000000,"id":"m1","seq":42}""");
        using var rendered = JsonDocument.Parse(ServerMessageJson.ToUtf8(Structured("room message")));

        Assert.True(JsonElement.DeepEquals(documented.RootElement, rendered.RootElement));
        Assert.Equal("type", rendered.RootElement.EnumerateObject().First().Name);
    }

    [Fact]
    public void A_legacy_message_is_sent_verbatim_and_its_fields_are_not_looked_at()
    {
        const string frame = """{"type":"message","roomId":"r1", "content" : "as written","timestamp":1,"id":"old"}""";
        var message = new ServerMessage { Id = "old", Type = "message", Json = frame, RoomId = "ignored", ContentJson = Content("{broken") };

        Assert.True(ServerMessageJson.IsLegacy(message));
        Assert.Equal(frame, ServerMessageJson.ToJson(message));
    }

    [Theory]
    [InlineData("\"plain text\"")]
    [InlineData("\"caf\u00e9 \\\"q\\\" \\u00e9 😀 <b>&amp;</b>\"")]
    [InlineData("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}")]
    [InlineData("{ \"spaced\" : [ 1 , 2 ] }")]
    [InlineData("[1,\"two\",3.0]")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("42")]
    [InlineData("-1.5e-7")]
    [InlineData("12345678901234567890123456789")]
    [InlineData("true")]
    [InlineData("null")]
    public void Content_of_every_json_kind_is_embedded_unchanged(string content)
    {
        var message = new ServerMessage { Id = "m", Type = "message", Timestamp = At, RoomId = "r", From = "u", ContentJson = Content(content), Seq = 1 };

        var text = ServerMessageJson.ToJson(message);

        Assert.Contains($"\"content\":{content},\"seq\":1,", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("1 2")]
    [InlineData("nope")]
    [InlineData("{\"a\":1}}")]
    public void Content_that_is_not_one_json_value_is_refused_with_the_reason(string content)
    {
        var message = new ServerMessage { Id = "m", Type = "note", Timestamp = At, ContentJson = Content(content) };

        var error = Assert.Throws<InvalidDataException>(() => ServerMessageJson.ToUtf8(message));

        Assert.StartsWith("content_json is not one JSON value", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("type")]
    [InlineData("id")]
    [InlineData("timestamp")]
    public void A_message_without_type_id_or_timestamp_is_refused(string missing)
    {
        var message = new ServerMessage { Id = "m", Type = "note", Timestamp = At, ContentJson = Content("1") };
        switch (missing)
        {
            case "type": message.Type = ""; break;
            case "id": message.Id = ""; break;
            default: message.Timestamp = null; break;
        }

        var error = Assert.Throws<InvalidDataException>(() => ServerMessageJson.ToUtf8(message));

        Assert.Equal($"the message has no {missing}", error.Message);
    }

    [Fact]
    public void The_timestamp_is_written_in_whole_milliseconds_as_the_producers_clocks_gave_it()
    {
        var now = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(6_789_999);
        var message = new ServerMessage { Id = "m", Type = "note", Timestamp = Timestamp.FromDateTimeOffset(now) };

        using var frame = JsonDocument.Parse(ServerMessageJson.ToUtf8(message));

        Assert.Equal(now.ToUnixTimeMilliseconds(), frame.RootElement.GetProperty("timestamp").GetInt64());
        Assert.Equal("""{"type":"note","timestamp":""" + now.ToUnixTimeMilliseconds() + ""","id":"m"}""", ServerMessageJson.ToJson(message));
    }

    [Theory]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("line\nbreak\ttab\u0001")]
    [InlineData("unicode café 日本語 😀")]
    [InlineData("html <script>alert('x')</script> & more")]
    [InlineData("separators \u2028 \u2029")]
    public void Strings_are_escaped_so_they_read_back_unchanged(string value)
    {
        var message = new ServerMessage { Id = value, Type = value, Timestamp = At, UserId = value, RoomId = value, From = value, Channel = value };

        using var frame = JsonDocument.Parse(ServerMessageJson.ToUtf8(message));

        foreach (var name in new[] { "type", "userId", "roomId", "from", "channel", "id" })
        {
            Assert.Equal(value, frame.RootElement.GetProperty(name).GetString());
        }
    }

    [Fact]
    public void Non_ascii_text_is_written_as_utf8_not_as_escapes()
    {
        var message = new ServerMessage { Id = "m", Type = "user:joined", Timestamp = At, UserId = "日本語", RoomId = "café" };

        Assert.Equal("""{"type":"user:joined","userId":"日本語","roomId":"café","timestamp":1700000000000,"id":"m"}""", ServerMessageJson.ToJson(message));
    }
}
