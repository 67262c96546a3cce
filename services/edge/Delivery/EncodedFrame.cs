namespace Suite.Edge.Delivery;

/// <summary>An <see cref="OutboundFrame"/> in one of the binary encodings: its payload and the whole binary WebSocket frame.</summary>
public sealed record EncodedFrame(ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Wire);
