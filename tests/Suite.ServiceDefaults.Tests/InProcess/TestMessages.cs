using Google.Protobuf;
using Grpc.Core;
using Suite.ServiceDefaults.InProcess;

namespace Suite.ServiceDefaults.Tests.InProcess;

/// <summary>A test method's side of an in-process call: protobuf messages through a plain protobuf marshaller.</summary>
internal static class TestMessages
{
    public static InProcessMessage Of<T>(T message)
        where T : class, IMessage<T>, new() => InProcessMessage.Of(Marshaller<T>(), message);

    public static T Read<T>(InProcessMessage message)
        where T : class, IMessage<T>, new() => message.Read(Marshaller<T>());

    public static Marshaller<T> Marshaller<T>()
        where T : class, IMessage<T>, new() =>
        Marshallers.Create(message => message.ToByteArray(), bytes => new MessageParser<T>(() => new T()).ParseFrom(bytes));
}
