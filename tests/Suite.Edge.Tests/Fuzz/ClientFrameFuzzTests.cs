using System.Text.Json;
using CsCheck;
using Suite.Edge.Protocol;
using Suite.Edge.Protocol.Encodings;
using Suite.Testing;
using Suite.Testing.Fuzzing;

namespace Suite.Edge.Tests.Fuzz;

/// <summary>
/// The client frame parsers (protocol v1: JSON, and the binary encodings MessagePack, CBOR and
/// Protobuf) against generated frames: every input gets a message or an error with a known code and
/// a reason, never an exception, a hang or an allocation out of proportion to the frame.
/// </summary>
public sealed class ClientFrameFuzzTests
{
    private static readonly string[] Types = ["message", "ping", "direct", "join", "leave", "subscribe", "unsubscribe", "auth", "history", "ack"];

    // The frame's fields with plausible values (architecture.md, "Client -> server").
    private static readonly (string, CsCheck.Gen<string>)[] Fields =
    [
        ("type", JsonInputs.Text(Types)),
        ("id", JsonInputs.Text("c1", "42", "retry-1")),
        ("roomId", JsonInputs.Text("lobby", "room-1")),
        ("content", JsonInputs.AnyValue),
        ("to", JsonInputs.Text("alice", "bob")),
        ("channel", JsonInputs.Text("news", "prices.eur")),
        ("token", JsonInputs.Text("eyJhbGciOiJIUzI1NiJ9.e30.sig")),
        ("since", CsCheck.Gen.Select(JsonInputs.Number, JsonInputs.Text("ep1", "e2"), (seq, epoch) => $$"""{"seq":{{seq}},"epoch":{{epoch}}}""")),
        ("limit", JsonInputs.Number),
        ("before", JsonInputs.Number),
        ("ids", JsonInputs.ArrayOf(JsonInputs.Text("n1", "n2"))),
    ];

    private static readonly HashSet<string> KnownCodes = typeof(ErrorCodes).GetFields()
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task Every_generated_frame_gets_a_message_or_a_clear_error()
    {
        var limits = ProtocolLimits.Default;
        var checkedInputs = await FuzzRun.CheckAsync(
            "client frames (JSON)",
            JsonInputs.Utf8Documents(Fields),
            // Parsing keeps copies of the frame's values (ids, content): a few times its size.
            frame => 8L * frame.Length,
            frame =>
            {
                var result = ClientMessageParser.Parse(frame, limits);
                if (result.IsSuccess)
                {
                    CheckMessage(result.Message, limits);
                    return "accepted";
                }

                Assert.Contains(result.Error.Code, KnownCodes);
                Assert.False(string.IsNullOrWhiteSpace(result.Error.Message), $"error {result.Error.Code} without a reason");
                return result.Error.Code;
            },
            TestContext.Current.SendDiagnosticMessage,
            TestContext.Current.CancellationToken,
            frame => System.Text.Encoding.UTF8.GetString(frame));

        Assert.True(checkedInputs >= FuzzRun.Iterations);
    }

    // The JSON target's frames written in a binary encoding by a client library (when they are JSON
    // it can write), then maybe cut, flipped or grown at a random place; the rest go in as they are.
    private static readonly Gen<(IFrameCodec Codec, byte[] Frame)> BinaryFrames = Gen.Select(
        JsonInputs.Utf8Documents(Fields), Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Byte,
        (json, encoding, mutation, at, value) =>
        {
            var codec = FrameCodecs.All[encoding];
            var frame = Encode(WireEncoding.Named(codec.Subprotocol), json);
            if (frame.Length > 0)
            {
                var i = at % frame.Length;
                frame = mutation switch
                {
                    1 => frame[..i],
                    2 => [.. frame[..i], (byte)(frame[i] ^ (value | 1)), .. frame[(i + 1)..]],
                    3 => [.. frame[..i], value, .. frame[i..]],
                    _ => frame,
                };
            }

            return (codec, frame);
        });

    [Fact]
    public async Task Every_generated_binary_frame_gets_a_message_or_a_clear_error()
    {
        var limits = ProtocolLimits.Default;
        var checkedInputs = await FuzzRun.CheckAsync(
            "client frames (MessagePack, CBOR, Protobuf)",
            BinaryFrames,
            // Content becomes JSON (bounded by the content limit), besides the copies JSON keeps.
            input => 16L * input.Frame.Length,
            input =>
            {
                var result = input.Codec.Parse(input.Frame, limits);
                if (result.IsSuccess)
                {
                    CheckMessage(result.Message, limits);
                    return "accepted";
                }

                Assert.Contains(result.Error.Code, KnownCodes);
                Assert.False(string.IsNullOrWhiteSpace(result.Error.Message), $"error {result.Error.Code} without a reason");
                return result.Error.Code;
            },
            TestContext.Current.SendDiagnosticMessage,
            TestContext.Current.CancellationToken,
            input => $"{input.Codec.Subprotocol} {Convert.ToHexString(input.Frame)}");

        Assert.True(checkedInputs >= FuzzRun.Iterations);
    }

    private static byte[] Encode(WireEncoding encoding, byte[] json)
    {
        try
        {
            return encoding.EncodeClientFrame(System.Text.Encoding.UTF8.GetString(json));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not JSON the library writes (malformed, or not what protobuf's mapping takes): noise.
            return json;
        }
    }

    // What the parser promises the rest of the edge for an accepted frame.
    private static void CheckMessage(ClientMessage message, ProtocolLimits limits)
    {
        Assert.Contains(message.Type, Types);
        Assert.True(message.Id is null || (message.Id.Length > 0 && message.Id.Length <= limits.MaxIdLength), $"id of {message.Id?.Length} characters accepted");
        switch (message)
        {
            case RoomMessage room:
                CheckContent(room.Content, limits);
                CheckId(room.RoomId, limits);
                break;
            case DirectMessage direct:
                CheckContent(direct.Content, limits);
                CheckId(direct.To, limits);
                break;
            case JoinMessage join:
                CheckId(join.RoomId, limits);
                break;
        }
    }

    private static void CheckContent(ReadOnlyMemory<byte> content, ProtocolLimits limits)
    {
        Assert.InRange(content.Length, 1, limits.MaxContentBytes);
        // Forwarded verbatim to other clients: it must be one complete JSON value.
        using var parsed = JsonDocument.Parse(content);
    }

    private static void CheckId(string id, ProtocolLimits limits) =>
        Assert.True(id.Length > 0 && id.Length <= limits.MaxIdLength, $"an id of {id.Length} characters accepted");
}
