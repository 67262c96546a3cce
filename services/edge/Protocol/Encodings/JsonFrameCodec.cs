namespace Suite.Edge.Protocol.Encodings;

/// <summary><c>gateway.v1.json</c>: the protocol as it always was; server frames are already JSON.</summary>
internal sealed class JsonFrameCodec : IFrameCodec
{
    public FrameEncoding Encoding => FrameEncoding.Json;

    public string Subprotocol => Subprotocols.Json;

    public bool BinaryFrames => false;

    public ParseResult Parse(ReadOnlyMemory<byte> frame, ProtocolLimits limits) => ClientMessageParser.Parse(frame.Span, limits);

    public byte[] WriteServerFrame(ReadOnlyMemory<byte> json) => json.ToArray();
}
