using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.PubSub.InMemory;

/// <summary>
/// <c>pubsub.in-memory</c>: fan-out to every subscription of the topic on this sidecar's bus,
/// nothing across processes (contrib: pubsub/in-memory). Each subscription handles one message at
/// a time in publish order, and a busy subscriber holds up publishers, as contrib's event bus does.
/// Handler failures are only logged; retries come from the resiliency policy above.
/// </summary>
public sealed partial class InMemoryPubSub(ComponentDefinition definition, ComponentContext context) : IPubSub
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private readonly InMemoryBus _bus = context.SharedInMemoryBus ?? new InMemoryBus();
    private readonly SubscriptionSet<Unsubscriber> _own = new();
    private readonly ILogger _logger = context.LoggerFactory.CreateLogger<InMemoryPubSub>();

    public Task InitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        var subscribers = _bus.SubscribersOf(definition.Name, topic);
        if (subscribers.Length == 0)
        {
            return;
        }

        var message = new PubSubMessage(topic, data, metadata.Count == 0 ? NoMetadata : new Dictionary<string, string>(metadata));
        foreach (var subscriber in subscribers)
        {
            await subscriber.EnqueueAsync(message, cancellationToken);
        }
    }

    public Task<IAsyncDisposable> SubscribeAsync(TopicSubscription subscription, MessageHandler handler, CancellationToken cancellationToken)
    {
        var topic = subscription.Topic;
        var subscriber = new InMemorySubscriber(handler, ex => LogHandlerFailed(_logger, definition.Name, topic, ex));
        _bus.Add(definition.Name, topic, subscriber);
        subscriber.Start();
        var unsubscriber = new Unsubscriber(_bus, definition.Name, topic, subscriber);
        _own.Add(unsubscriber);

        return Task.FromResult<IAsyncDisposable>(unsubscriber);
    }

    // Only this component's own subscriptions: a shared bus also carries other sidecars'.
    public async ValueTask DisposeAsync() => await _own.DisposeAllAsync();

    private sealed class Unsubscriber(InMemoryBus bus, string component, string topic, InMemorySubscriber subscriber) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                bus.Remove(component, topic, subscriber);
                await subscriber.StopAsync();
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "pubsub {Component}: delivery on topic {Topic} failed and is not retried by pubsub.in-memory")]
    private static partial void LogHandlerFailed(ILogger logger, string component, string topic, Exception exception);
}
