using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;
using Suite.Edge.Protocol.Encodings;
using Suite.Testing;

namespace Suite.Edge.Tests.Protocol;

/// <summary>
/// Property tests: every client frame type, written by a client in any encoding, is read by the edge
/// as the same message the JSON parser makes of it; every server frame type the edge writes in a
/// binary encoding reads back, on a client, as its JSON rendering. The client side is
/// Suite.Testing.WireEncoding (the libraries' own conversions), not the edge's codecs.
/// </summary>
public sealed class EncodingRoundTripTests
{
    private const long Iterations = 1_500;

    // Protobuf's JSON mapping reads numbers as doubles, so the test client's frames stay within 2^53.
    private const long MaxExact = 1L << 53;

    private static readonly ProtocolLimits Limits = ProtocolLimits.Default;

    private static readonly (WireEncoding Client, IFrameCodec Edge)[] Encodings =
    [
        (WireEncoding.Json, FrameCodecs.Json),
        (WireEncoding.MessagePack, FrameCodecs.MessagePack),
        (WireEncoding.Cbor, FrameCodecs.Cbor),
        (WireEncoding.Protobuf, FrameCodecs.Protobuf),
    ];

    // Printable text (escapes, quotes and non-ASCII included), never empty: ids, rooms, tokens.
    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcXYZ019-_.:\"\\/é✓日"], 1, 24];

    // Any text, control characters included: they are valid inside content and server strings.
    private static readonly Gen<string> AnyText = Gen.String[Gen.Char["ab \t\n\"\\/é✓日\u0001\u007f"], 0, 16];

    // Integers up to 2^53 and binary fractions, which every encoding (protobuf's doubles too) carries exactly.
    private static readonly Gen<JsonNode?> Scalar = Gen.OneOf(
        Gen.Const<JsonNode?>(() => null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Long[-(1L << 53), 1L << 53].Select(n => (JsonNode?)JsonValue.Create(n)),
        Gen.Int[-1_000_000, 1_000_000].Select(n => (JsonNode?)JsonValue.Create(n / 64.0)),
        AnyText.Select(s => (JsonNode?)JsonValue.Create(s)));

    private static readonly Gen<JsonNode?> Content = Value(3);

    private static readonly Gen<JsonObject> ClientFrames = Gen.OneOf(
        Frame("auth", Name.Select(t => Field("token", t))),
        Frame("join", Gen.Select(Name, Gen.Long[0, MaxExact], Name, Gen.Bool, (room, seq, epoch, resume) => resume
            ? Field("roomId", room).With("since", new JsonObject { ["seq"] = seq, ["epoch"] = epoch.Length > 64 ? epoch[..64] : epoch })
            : Field("roomId", room))),
        Frame("leave", Name.Select(r => Field("roomId", r))),
        Frame("message", Gen.Select(Name, Content.Where(c => c is not null), (room, content) => Field("roomId", room).With("content", content))),
        Frame("direct", Gen.Select(Name, Content.Where(c => c is not null), (to, content) => Field("to", to).With("content", content))),
        Frame("subscribe", Name.Select(c => Field("channel", c))),
        Frame("unsubscribe", Name.Select(c => Field("channel", c))),
        Frame("ping", Gen.Const(0).Select(_ => new JsonObject())),
        Frame("history", Gen.Select(Name, Gen.Long[1, MaxExact], Gen.Long[1, MaxExact], Gen.Int[0, 3], (room, limit, before, which) =>
        {
            var frame = Field("roomId", room);
            return which switch { 1 => frame.With("limit", limit), 2 => frame.With("before", before), 3 => frame.With("limit", limit).With("before", before), _ => frame };
        })),
        Frame("ack", Name.Array[1, 5].Select(ids => new JsonObject { ["ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]) })));

    public static TheoryData<string, bool> BadFrames() => new()
    {
        // The frame, and whether protobuf can express it too (its fields are typed).
        { """{"roomId":"r"}""", true },
        { """{"type":"nope"}""", true },
        { """{"type":"join"}""", true },
        { """{"type":"join","roomId":""}""", true },
        { """{"type":"auth"}""", true },
        { """{"type":"history","roomId":"r","limit":0}""", true },
        { """{"type":"join","roomId":"r","since":{"epoch":"e"}}""", true },
        { """{"type":"message","roomId":"r","content":null}""", true },
        { """{"type":"message","roomId":"r"}""", true },
        { """{"type":"ping","id":"a\u0001"}""", true },
        { "{\"type\":\"ping\",\"id\":\"" + new string('x', 129) + "\"}", true },
        { """{"type":"ack","ids":["a","  "]}""", true },
        { """{"type":"join","roomId":5}""", false },
        { """{"type":"ack","ids":[]}""", false },
        { """{"type":"history","roomId":"r","before":-3}""", false },
        { """{"type":"history","roomId":"r","limit":2.5}""", false },
        { """{"type":"join","roomId":"r","since":7}""", false },
        { """{"type":["ping"]}""", false },
    };

    [Fact]
    public void Every_client_frame_type_reads_the_same_in_every_encoding()
    {
        ClientFrames.Sample(
            frame =>
            {
                var json = frame.ToJsonString();
                var expected = ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json), Limits);
                Assert.True(expected.IsSuccess, $"the generator made a bad frame: {json}: {expected.Error?.Message}");
                foreach (var (client, edge) in Encodings)
                {
                    var actual = edge.Parse(client.EncodeClientFrame(json), Limits);
                    Assert.True(actual.IsSuccess, $"{client}: {json}: {actual.Error?.Code} {actual.Error?.Message}");
                    AssertSameMessage(expected.Message, actual.Message, client);
                }
            },
            iter: Iterations,
            print: frame => frame.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void A_bad_frame_gets_the_same_error_code_in_every_encoding_that_can_carry_it(string json, bool protobufToo)
    {
        var expected = ClientMessageParser.Parse(Encoding.UTF8.GetBytes(json), Limits);
        Assert.False(expected.IsSuccess);
        foreach (var (client, edge) in Encodings.Where(e => protobufToo || e.Edge.Encoding != FrameEncoding.Protobuf))
        {
            var actual = edge.Parse(client.EncodeClientFrame(json), Limits);
            Assert.False(actual.IsSuccess, $"{client} accepted {json}");
            Assert.Equal(expected.Error.Code, actual.Error.Code);
            Assert.Equal(expected.ClientId, actual.ClientId);
        }
    }

    [Fact]
    public void Every_server_frame_type_written_in_a_binary_encoding_reads_back_as_its_json()
    {
        var frames = new ServerFrames(TimeProvider.System);
        var serverFrames = Gen.OneOf(
            Gen.Select(Name, Name, Gen.Int[0, 60_000], Gen.Bool, (user, connection, ms, expires) =>
                frames.AuthOk(user, connection, ms > 0 ? TimeSpan.FromMilliseconds(ms) : null, expires ? DateTimeOffset.UnixEpoch.AddMilliseconds(ms * 1000L) : null)),
            AnyText.Select(reason => frames.AuthFail(reason)),
            Name.Select(reference => frames.Pong(reference)),
            Gen.Select(Name, AnyText, Gen.Int[0, 5_000], (code, message, retry) => frames.Error(code, message, retry % 2 == 0 ? code : null, retry > 0 ? TimeSpan.FromMilliseconds(retry) : null)),
            Gen.Select(AnyText, Gen.Int[0, 30_000], (reason, ms) => frames.Reconnect(reason, TimeSpan.FromMilliseconds(ms))),
            Gen.Select(Name, Gen.ULong, Name, Gen.Int[-1, 100], (room, seq, epoch, missed) =>
                frames.Joined(room, missed % 3 == 0 ? null : epoch, missed >= 0 ? new RoomPosition(seq, epoch) : null, missed switch { < 0 => null, 0 => ResumeAnswer.NotRecovered, _ => new ResumeAnswer(true, missed) })),
            Gen.Select(Name, Message.Array[0, 4], Gen.ULong, Name, (room, messages, seq, epoch) =>
                frames.History(room, messages.Select(m => m.Payload), new RoomPosition(seq, epoch), epoch)),
            Name.Select(room => frames.Left(room, room)),
            Name.Select(channel => frames.Subscribed(channel)),
            Name.Select(channel => frames.Unsubscribed(channel, channel)),
            Message);
        serverFrames.Sample(
            frame =>
            {
                var json = JsonNode.Parse(frame.Payload.Span);
                foreach (var (client, edge) in Encodings.Where(e => e.Edge.BinaryFrames))
                {
                    var read = JsonNode.Parse(client.DecodeServerFrame(frame.EncodedAs(edge.Encoding).Payload.ToArray()));
                    Assert.True(JsonNode.DeepEquals(json, read), $"{client}: wrote {json!.ToJsonString()}, read back {read!.ToJsonString()}");
                }
            },
            iter: Iterations,
            print: frame => Encoding.UTF8.GetString(frame.Payload.Span));
    }

    [Fact]
    public void A_frame_is_rendered_once_per_encoding_however_many_connections_send_it()
    {
        var frame = new ServerFrames(TimeProvider.System).Pong("r");
        foreach (var encoding in new[] { FrameEncoding.MessagePack, FrameEncoding.Cbor, FrameEncoding.Protobuf })
        {
            var renderings = new System.Collections.Concurrent.ConcurrentBag<EncodedFrame>();
            Parallel.For(0, 64, _ => renderings.Add(frame.EncodedAs(encoding)));
            Assert.Single(renderings.Distinct(ReferenceEqualityComparer.Instance));
            Assert.Equal(0x82, renderings.First().Wire.Span[0]);
        }
    }

    // Delivered frames (room messages, directs, joins, dismissals, business events), as the edge renders them.
    private static Gen<OutboundFrame> Message { get; } = Gen.Select(
        Gen.OneOf(Gen.Const("message"), Gen.Const("direct"), Gen.Const("user:joined"), Gen.Const("user:left"), Gen.Const("dismissed"), Gen.Const("order_update")),
        Name,
        Gen.Long[0, 4_000_000_000_000],
        Gen.Select(Name, Name, Name, Gen.ULong, Gen.Bool),
        Content,
        Name.Array[0, 3],
        (type, id, ms, rest, content, ids) =>
        {
            var (room, user, channel, seq, ack) = rest;
            var message = new ServerMessage
            {
                Type = type,
                Id = id,
                Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddMilliseconds(ms)),
                RoomId = type is "order_update" ? "" : room,
                UserId = type is "user:joined" or "user:left" ? user : "",
                From = type is "message" or "direct" ? user : "",
                Channel = type is "order_update" && ack ? "" : channel,
                ContentJson = type is "user:joined" or "user:left" or "dismissed" ? Google.Protobuf.ByteString.Empty : Google.Protobuf.ByteString.CopyFromUtf8(content?.ToJsonString() ?? "null"),
                Seq = type is "message" ? seq : 0,
                Ack = ack,
            };
            if (type is "dismissed")
            {
                message.Ids.AddRange(ids.Length > 0 ? ids : [id]);
            }

            return new OutboundFrame(DeliveredFrame.Render(message), type);
        });

    private static Gen<JsonNode?> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (3, Scalar),
            (1, Gen.Int[0, 3].SelectMany(n => Value(depth - 1).Array[n]).Select(items => (JsonNode?)new JsonArray(items))),
            (1, Gen.Select(AnyText.Array[0, 3], Value(depth - 1).Array[3], (names, values) =>
            {
                var obj = new JsonObject();
                for (var i = 0; i < names.Length; i++)
                {
                    obj[names[i]] = values[i];
                }

                return (JsonNode?)obj;
            })));

    private static Gen<JsonObject> Frame(string type, Gen<JsonObject> fields) => Gen.Select(fields, Gen.Bool, Name, (body, withId, id) =>
    {
        var frame = new JsonObject { ["type"] = type };
        if (withId)
        {
            frame["id"] = id;
        }

        foreach (var (name, value) in body.ToList())
        {
            body.Remove(name);
            frame[name] = value;
        }

        return frame;
    });

    private static JsonObject Field(string name, string value) => new() { [name] = value };

    private static void AssertSameMessage(ClientMessage expected, ClientMessage actual, WireEncoding encoding)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Id, actual.Id);
        switch (expected)
        {
            case Suite.Edge.Protocol.RoomMessage room:
                var otherRoom = (Suite.Edge.Protocol.RoomMessage)actual;
                Assert.Equal(room.RoomId, otherRoom.RoomId);
                AssertSameContent(room.Content, otherRoom.Content, encoding);
                break;
            case DirectMessage direct:
                var otherDirect = (DirectMessage)actual;
                Assert.Equal(direct.To, otherDirect.To);
                AssertSameContent(direct.Content, otherDirect.Content, encoding);
                break;
            case AckMessage ack:
                Assert.Equal(ack.Ids, ((AckMessage)actual).Ids);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static void AssertSameContent(ReadOnlyMemory<byte> expected, ReadOnlyMemory<byte> actual, WireEncoding encoding) =>
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected.Span), JsonNode.Parse(actual.Span)),
            $"{encoding}: content {Encoding.UTF8.GetString(expected.Span)} read as {Encoding.UTF8.GetString(actual.Span)}");
}

internal static class JsonObjectExtensions
{
    public static JsonObject With(this JsonObject obj, string name, JsonNode? value)
    {
        obj[name] = value;
        return obj;
    }
}
