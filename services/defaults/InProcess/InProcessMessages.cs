using Grpc.Core;

namespace Suite.ServiceDefaults.InProcess;

/// <summary>A stream of in-process messages read as <typeparamref name="T"/>, within a receive limit.</summary>
public sealed class InProcessMessageReader<T>(IAsyncStreamReader<InProcessMessage> messages, Marshaller<T> marshaller, int? maxReceiveMessageSize = null) : IAsyncStreamReader<T>
{
    public T Current { get; private set; } = default!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await messages.MoveNext(cancellationToken))
        {
            return false;
        }

        if (InProcessStatus.OverLimit(messages.Current, maxReceiveMessageSize) is { } exhausted)
        {
            // The receiving side's own limit, as gRPC applies it on the network.
            throw new RpcException(exhausted);
        }

        Current = messages.Current.Read(marshaller);
        return true;
    }
}

/// <summary>A server's stream of <typeparamref name="T"/> written as in-process messages.</summary>
public sealed class InProcessMessageWriter<T>(IServerStreamWriter<InProcessMessage> messages, Marshaller<T> marshaller) : IServerStreamWriter<T>
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => messages.WriteAsync(InProcessMessage.Of(marshaller, message));

    public Task WriteAsync(T message, CancellationToken cancellationToken) => messages.WriteAsync(InProcessMessage.Of(marshaller, message), cancellationToken);
}
