using BenchmarkDotNet.Attributes;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;

namespace Suite.Benchmarks;

// The two protocol costs on the hot path: every client frame is parsed once, and every room
// message is encoded once per edge before fan-out (so encoding is not multiplied by recipients).
[MemoryDiagnoser]
public class ProtocolBenchmarks
{
    private static readonly byte[] MessageFrame =
        """{"type":"message","id":"c-1842","roomId":"support-eu-7","content":{"text":"Hello, is anyone there? I need help with my order #55312.","attachments":[],"mentions":["agent-3"]}}"""u8.ToArray();

    private readonly ServerFrames _frames = new(TimeProvider.System);
    private readonly ProtocolLimits _limits = ProtocolLimits.Default;
    private RoomMessage _parsed = null!;

    [GlobalSetup]
    public void Setup() =>
        _parsed = (RoomMessage)ClientMessageParser.Parse(MessageFrame, _limits).Message!;

    [Benchmark]
    public ClientMessage? ParseMessageFrame() => ClientMessageParser.Parse(MessageFrame, _limits).Message;

    [Benchmark]
    public OutboundFrame EncodeMessageFrame() =>
        _frames.Message(_parsed.RoomId, "user-4711", _parsed.Content.Span, seq: 123_456);
}
