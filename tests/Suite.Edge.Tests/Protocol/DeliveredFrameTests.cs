using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Protocol;

namespace Suite.Edge.Tests.Protocol;

/// <summary>What the dispatcher sends for a delivered message: rendered once on the edge's per-thread buffer.</summary>
public sealed class DeliveredFrameTests
{
    private static ServerMessage RoomMessage(string content, ulong seq = 7) => new()
    {
        Id = "m-1",
        Type = "message",
        Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)),
        Seq = seq,
        RoomId = "r1",
        From = "日本語 <b>",
        ContentJson = ByteString.CopyFromUtf8(content),
    };

    [Fact]
    public void A_structured_message_renders_as_the_shared_writer_renders_it()
    {
        var message = RoomMessage("""{"text":"café 😀","n":[1, 2]}""");

        var payload = DeliveredFrame.Render(message);

        Assert.Equal(ServerMessageJson.ToUtf8(message), payload.ToArray());
        Assert.Equal("""{"type":"message","roomId":"r1","from":"日本語 <b>","content":{"text":"café 😀","n":[1, 2]},"seq":7,"timestamp":1700000000000,"id":"m-1"}""", Encoding.UTF8.GetString(payload.Span));
    }

    [Fact]
    public void A_legacy_message_is_sent_as_its_json_verbatim()
    {
        const string frame = """{"type":"tick","n":1 }""";

        Assert.Equal(frame, Encoding.UTF8.GetString(DeliveredFrame.Render(new ServerMessage { Id = "tick-1", Type = "tick", Json = frame }).Span));
    }

    [Fact]
    public void Invalid_content_is_refused_and_the_next_frame_on_the_thread_is_whole()
    {
        Assert.Throws<InvalidDataException>(() => DeliveredFrame.Render(RoomMessage("{\"a\":")));

        using var next = JsonDocument.Parse(DeliveredFrame.Render(RoomMessage("\"fine\"")));
        Assert.Equal("fine", next.RootElement.GetProperty("content").GetString());
    }

    [Fact]
    public void Payload_is_an_independent_array_not_overwritten_by_later_frames()
    {
        var first = DeliveredFrame.Render(RoomMessage("\"first\""));
        var before = first.ToArray();

        for (var i = 0; i < 100; i++)
        {
            DeliveredFrame.Render(RoomMessage($"\"{new string('x', i * 100)}\"", (ulong)i + 1));
        }

        Assert.Equal(before, first.ToArray());
    }

    [Fact]
    public void A_huge_frame_is_rendered_whole()
    {
        using var frame = JsonDocument.Parse(DeliveredFrame.Render(RoomMessage($"\"{new string('x', 1_000_000)}\"")));

        Assert.Equal(1_000_000, frame.RootElement.GetProperty("content").GetString()!.Length);
    }
}
