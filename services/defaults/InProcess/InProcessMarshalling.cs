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

    // The generated marshallers announce the message's size first (SetPayloadLength), so the bytes
    // are written straight into an array of that size: no growing buffer, no copy at the end.
    private sealed class Serialization : SerializationContext, IBufferWriter<byte>
    {
        private byte[]? _payload;
        private int _written;
        private ArrayBufferWriter<byte>? _growing;

        public byte[] Payload => _growing is { } growing ? growing.WrittenSpan.ToArray()
            : _payload is null ? []
            : _written == _payload.Length ? _payload : _payload[.._written];

        public override void Complete(byte[] payload) => (_payload, _written, _growing) = (payload, payload.Length, null);

        public override IBufferWriter<byte> GetBufferWriter() => _payload is null ? _growing ??= new ArrayBufferWriter<byte>() : this;

        public override void SetPayloadLength(int payloadLength)
        {
            if (_payload is null && _growing is null)
            {
                _payload = new byte[payloadLength];
            }
        }

        public override void Complete()
        {
        }

        public void Advance(int count)
        {
            if (_growing is { } growing)
            {
                growing.Advance(count);
            }
            else
            {
                _written += count;
            }
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Room(sizeHint) ? _payload.AsMemory(_written) : _growing!.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Room(sizeHint) ? _payload.AsSpan(_written) : _growing!.GetSpan(sizeHint);

        // A writer that wants more than the announced size moves what it wrote to a growing buffer.
        private bool Room(int sizeHint)
        {
            if (_growing is null && _payload!.Length - _written >= Math.Max(sizeHint, 1))
            {
                return true;
            }

            if (_growing is null)
            {
                _growing = new ArrayBufferWriter<byte>(Math.Max(_payload!.Length * 2, 256));
                _growing.Write(_payload.AsSpan(0, _written));
                _payload = null;
            }

            return false;
        }
    }

    private sealed class Deserialization(byte[] payload) : DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => payload.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
    }
}
