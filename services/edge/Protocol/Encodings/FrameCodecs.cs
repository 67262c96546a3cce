namespace Suite.Edge.Protocol.Encodings;

/// <summary>The one codec per encoding; codecs hold no state, so every connection shares them.</summary>
public static class FrameCodecs
{
    public static IFrameCodec Json { get; } = new JsonFrameCodec();

    public static IFrameCodec MessagePack { get; } = new MessagePackFrameCodec();

    public static IFrameCodec Cbor { get; } = new CborFrameCodec();

    public static IFrameCodec Protobuf { get; } = new ProtobufFrameCodec();

    public static IReadOnlyList<IFrameCodec> All { get; } = [Json, MessagePack, Cbor, Protobuf];

    public static IFrameCodec For(FrameEncoding encoding) => encoding switch
    {
        FrameEncoding.MessagePack => MessagePack,
        FrameEncoding.Cbor => Cbor,
        FrameEncoding.Protobuf => Protobuf,
        _ => Json,
    };
}
