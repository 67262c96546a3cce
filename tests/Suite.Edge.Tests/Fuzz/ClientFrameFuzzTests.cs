using System.Text.Json;
using Suite.Edge.Protocol;
using Suite.Testing.Fuzzing;

namespace Suite.Edge.Tests.Fuzz;

/// <summary>
/// The client frame parser (protocol v1, JSON: the only encoding the edge speaks so far) against
/// generated frames: every input gets a message or an error with a known code and a reason, never
/// an exception, a hang or an allocation out of proportion to the frame.
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
