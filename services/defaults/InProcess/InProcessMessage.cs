using Google.Protobuf;
using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>
/// One message of a call between a caller and a method in this process. A protobuf message crosses as
/// a deep copy of the sender's object: each side keeps its own objects, as over the network, without
/// writing the message's bytes and parsing them back (writing and parsing were about a third of what
/// the embedded suite allocated; docs/benchmarks.md). The receiver takes the copy as it is when it
/// reads the sender's type and parses the sender's bytes when it reads another; any other message
/// crosses as its bytes.
/// </summary>
public abstract class InProcessMessage
{
    private InProcessMessage()
    {
    }

    /// <summary>The message's size on the wire, for the receiving side's limit.</summary>
    public abstract int Size { get; }

    /// <summary>What the sender wrote (a copy of it, made when it wrote), as <typeparamref name="T"/>.</summary>
    public abstract T Read<T>(Marshaller<T> marshaller);

    /// <summary>A copy of <paramref name="message"/> as it is now, to be read by the other side.</summary>
    public static InProcessMessage Of<T>(Marshaller<T> marshaller, T message) =>
        message is IMessage and IDeepCloneable<T> cloneable
            ? new Copy<T>(marshaller, cloneable.Clone())
            : new Bytes(InProcessMarshalling.Serialize(marshaller, message));

    private sealed class Copy<TSent>(Marshaller<TSent> marshaller, TSent message) : InProcessMessage
    {
        private int? _size;

        public override int Size => _size ??= ((IMessage)message!).CalculateSize();

        public override T Read<T>(Marshaller<T> reader) =>
            message is T same ? same : InProcessMarshalling.Deserialize(reader, InProcessMarshalling.Serialize(marshaller, message));
    }

    private sealed class Bytes(byte[] payload) : InProcessMessage
    {
        public override int Size => payload.Length;

        public override T Read<T>(Marshaller<T> reader) => InProcessMarshalling.Deserialize(reader, payload);
    }
}
