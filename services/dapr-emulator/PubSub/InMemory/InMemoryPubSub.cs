using System.Collections.Concurrent;
using System.Threading.Channels;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.PubSub.InMemory;

/// <summary>
/// <c>pubsub.in-memory</c>: fan-out to every subscription of the topic inside this one sidecar,
/// nothing across processes (contrib: pubsub/in-memory). Each subscription handles one message at
/// a time in publish order, and a busy subscriber holds up publishers, as contrib's event bus does.
/// Handler failures are only logged; retries come from the resiliency policy above.
/// </summary>
public sealed partial class InMemoryPubSub(ComponentDefinition definition, ComponentContext context) : IPubSub
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private readonly ConcurrentDictionary<string, ImmutableSubscribers> _topics = new(StringComparer.Ordinal);
    private readonly ILogger _logger = context.LoggerFactory.CreateLogger<InMemoryPubSub>();

    public Task InitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        if (!_topics.TryGetValue(topic, out var subscribers) || subscribers.Items.Length == 0)
        {
            return;
        }

        var message = new PubSubMessage(topic, data, metadata.Count == 0 ? NoMetadata : new Dictionary<string, string>(metadata));
        foreach (var subscriber in subscribers.Items)
        {
            await subscriber.EnqueueAsync(message, cancellationToken);
        }
    }

    public Task<IAsyncDisposable> SubscribeAsync(TopicSubscription subscription, MessageHandler handler, CancellationToken cancellationToken)
    {
        var subscriber = new Subscriber(handler, this);
        _topics.AddOrUpdate(subscription.Topic, _ => new ImmutableSubscribers([subscriber]), (_, old) => new ImmutableSubscribers([.. old.Items, subscriber]));
        subscriber.Start(subscription.Topic);
        return Task.FromResult<IAsyncDisposable>(new Unsubscriber(this, subscription.Topic, subscriber));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var topic in _topics.Keys)
        {
            if (_topics.TryRemove(topic, out var subscribers))
            {
                foreach (var subscriber in subscribers.Items)
                {
                    await subscriber.StopAsync();
                }
            }
        }
    }

    private void Remove(string topic, Subscriber subscriber) =>
        _topics.AddOrUpdate(topic, _ => new ImmutableSubscribers([]), (_, old) => new ImmutableSubscribers(old.Items.Where(s => s != subscriber).ToArray()));

    // Copy-on-write so publish reads the subscriber list without a lock.
    private sealed record ImmutableSubscribers(Subscriber[] Items);

    private sealed class Subscriber(MessageHandler handler, InMemoryPubSub owner)
    {
        // Capacity 1 keeps contrib's "a busy subscriber holds up the publisher" back-pressure.
        private readonly Channel<PubSubMessage> _queue = Channel.CreateBounded<PubSubMessage>(new BoundedChannelOptions(1) { SingleReader = true });
        private readonly CancellationTokenSource _stopping = new();
        private Task _loop = Task.CompletedTask;

        public ValueTask EnqueueAsync(PubSubMessage message, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(message, cancellationToken);

        public void Start(string topic) => _loop = Task.Run(() => RunAsync(topic));

        public async Task StopAsync()
        {
            _queue.Writer.TryComplete();
            await _stopping.CancelAsync();
            await _loop;
            _stopping.Dispose();
        }

        private async Task RunAsync(string topic)
        {
            try
            {
                await foreach (var message in _queue.Reader.ReadAllAsync(_stopping.Token))
                {
                    try
                    {
                        await handler(message, _stopping.Token);
                    }
                    catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        LogHandlerFailed(owner._logger, owner.Name, topic, ex);
                    }
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
        }
    }

    private string Name => definition.Name;

    private sealed class Unsubscriber(InMemoryPubSub owner, string topic, Subscriber subscriber) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(topic, subscriber);
                await subscriber.StopAsync();
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "pubsub {Component}: delivery on topic {Topic} failed and is not retried by pubsub.in-memory")]
    private static partial void LogHandlerFailed(ILogger logger, string component, string topic, Exception exception);
}
