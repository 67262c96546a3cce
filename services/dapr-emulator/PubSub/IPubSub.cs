namespace Suite.DaprEmulator.PubSub;

/// <summary>
/// A pub/sub component as daprd's components-contrib shapes it: bytes in, bytes out, with the
/// broker's own delivery guarantees. CloudEvent wrapping, routing and retries live above it.
/// </summary>
public interface IPubSub : IAsyncDisposable
{
    /// <summary>Connects to the broker. Failing here stops the emulator at start, as in daprd.</summary>
    Task InitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="data"/> on <paramref name="topic"/>; returns once the broker accepted it.
    /// Callers never reuse <paramref name="data"/> afterwards, so a component may keep it without copying.
    /// </summary>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken);

    /// <summary>
    /// Starts delivering <paramref name="subscription"/>'s topic to <paramref name="handler"/> and returns once
    /// the broker-side subscription exists. Disposing the result stops delivery; unacknowledged messages
    /// stay with the broker.
    /// </summary>
    Task<IAsyncDisposable> SubscribeAsync(TopicSubscription subscription, MessageHandler handler, CancellationToken cancellationToken);
}

/// <summary>
/// Handles one message. Returning normally acknowledges it. Throwing
/// <see cref="OperationCanceledException"/> means the handler timed out or the sidecar is shutting
/// down: the broker keeps the message for redelivery. Any other exception is a failed delivery, and
/// the component reacts as its contrib twin does (Redis, since Dapr 1.17, acknowledges anyway;
/// JetStream naks).
/// </summary>
public delegate Task MessageHandler(PubSubMessage message, CancellationToken cancellationToken);

/// <summary>A topic and the subscription's own metadata (e.g. <c>rawPayload</c>, <c>queueGroupName</c>).</summary>
public sealed record TopicSubscription(string Topic, IReadOnlyDictionary<string, string> Metadata);

/// <summary>One message as the broker stored it, plus the metadata the broker carries beside it.</summary>
public sealed record PubSubMessage(string Topic, ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string> Metadata);
