using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Protocol;

namespace Suite.Benchmarks;

// The two protocol costs on the hot path: every client frame is parsed once, and every room
// message is rendered once per delivery on each edge before fan-out (so rendering is not
// multiplied by recipients).
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private static readonly byte[] MessageFrame =
        """{"type":"message","id":"c-1842","roomId":"support-eu-7","content":{"text":"Hello, is anyone there? I need help with my order #55312.","attachments":[],"mentions":["agent-3"]}}"""u8.ToArray();

    private readonly ProtocolLimits _limits = ProtocolLimits.Default;
    private ServerMessage _delivered = null!;

    [GlobalSetup]
    public void Setup()
    {
        var parsed = (RoomMessage)ClientMessageParser.Parse(MessageFrame, _limits).Message!;
        _delivered = new ServerMessage
        {
            Id = "0f8fad5bd9cb469fa16570867728950e",
            Type = "message",
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Seq = 123_456,
            RoomId = parsed.RoomId,
            From = "user-4711",
            ContentJson = ByteString.CopyFrom(parsed.Content.Span),
        };
    }

    [Benchmark]
    public ClientMessage? ParseMessageFrame() => ClientMessageParser.Parse(MessageFrame, _limits).Message;

    [Benchmark]
    public ReadOnlyMemory<byte> RenderMessageFrame() => DeliveredFrame.Render(_delivered);
}
