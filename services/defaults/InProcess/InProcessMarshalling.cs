using System.Buffers;
using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// A message to its bytes and back through a method's marshaller, as the wire would have it (the
/// generated protobuf marshallers implement only the contextual API).
/// </summary>
public static class InProcessMarshalling
{
    public static byte[] Serialize<T>(Marshaller<T> marshaller, T message)
    {
        var context = new Serialization();
        marshaller.ContextualSerializer(message, context);
        return context.Payload;
    }

    public static T Deserialize<T>(Marshaller<T> marshaller, byte[] payload) =>
        marshaller.ContextualDeserializer(new Deserialization(payload));

    private sealed class Serialization : SerializationContext
    {
        private byte[]? _payload;
        private ArrayBufferWriter<byte>? _writer;

        public byte[] Payload => _payload ?? _writer?.WrittenSpan.ToArray() ?? [];

        public override void Complete(byte[] payload) => _payload = payload;

        public override IBufferWriter<byte> GetBufferWriter() => _writer ??= new ArrayBufferWriter<byte>();

        public override void SetPayloadLength(int payloadLength)
        {
        }

        public override void Complete()
        {
        }
    }

    private sealed class Deserialization(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
