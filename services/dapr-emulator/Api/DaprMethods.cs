using Google.Protobuf;
using Grpc.Core;

namespace Suite.DaprEmulator.Api;

/// <summary>
/// Method descriptors for <c>dapr.proto.runtime.v1.Dapr</c>. Dapr.Protos ships only the client side
/// of that service, so the server side is bound by hand over the package's own message types.
/// </summary>
public static class DaprMethods
{
    public const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, ServiceName, name, MarshallerFor<TRequest>(), MarshallerFor<TResponse>());

    public static Method<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.DuplexStreaming, ServiceName, name, MarshallerFor<TRequest>(), MarshallerFor<TResponse>());

    private static Marshaller<T> MarshallerFor<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
    }
}
