using System.Globalization;
using StackExchange.Redis;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Redis;

namespace Suite.DaprEmulator.PubSub.Redis;

/// <summary>
/// pubsub.redis over Redis Streams with contrib's exact layout (contract §4.1): the topic is the
/// stream key, entries carry <c>data</c> and <c>metadata</c>, and consumerID is both the group and
/// the consumer name, so the emulator and a real daprd can share one Redis.
/// </summary>
public sealed class RedisPubSub : IPubSub
{
    private readonly ComponentDefinition _definition;
    private readonly ComponentContext _context;
    private readonly ConfigurationOptions _connectionOptions;
    private readonly RedisPubSubSettings _settings;
    private readonly ILogger _logger;
    private readonly SubscriptionSet<RedisStreamSubscription> _subscriptions = new();
    private ConnectionMultiplexer? _connection;
    private int _disposed;

    public RedisPubSub(ComponentDefinition definition, ComponentContext context)
    {
        _definition = definition;
        _context = context;
        _logger = context.LoggerFactory.CreateLogger<RedisPubSub>();
        _connectionOptions = RedisConnectionOptions.Read(definition.Metadata);
        _settings = RedisPubSubSettings.Read(definition.Metadata, context.AppId);
        if (_settings.RedeliverIntervalIgnored)
        {
            RedisPubSubLog.RedeliverIntervalIgnored(
                _logger, definition.Name, definition.Metadata.GetString("redeliverInterval")!, RedisPubSubSettings.DefaultRedeliverInterval);
        }
    }

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        _connection = await ConnectionMultiplexer.ConnectAsync(_connectionOptions.Clone()).WaitAsync(cancellationToken);
    }

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        NameValueEntry[] fields = metadata.Count == 0
            ? [new(RedisStreamMessage.DataField, data)]
            : [new(RedisStreamMessage.DataField, data), new(RedisStreamMessage.MetadataField, RedisStreamMessage.EncodeMetadata(metadata))];

        await Database.StreamAddAsync(topic, fields, TrimOptions()).WaitAsync(cancellationToken);
    }

    public async Task<IAsyncDisposable> SubscribeAsync(TopicSubscription subscription, MessageHandler handler, CancellationToken cancellationToken)
    {
        var stream = new RedisStreamSubscription(
            subscription.Topic,
            _settings,
            Database,
            _connectionOptions,
            handler,
            _context.Time,
            _logger,
            s => _subscriptions.Remove(s));
        try
        {
            await stream.StartAsync(cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }

        _subscriptions.Add(stream);
        return stream;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Subscriptions first: their workers ack over the shared connection until they stop.
        await _subscriptions.DisposeAllAsync();

        if (_connection is not null)
        {
            await _connection.CloseAsync();
            await _connection.DisposeAsync();
        }
    }

    private IDatabase Database =>
        _connection?.GetDatabase() ?? throw new InvalidOperationException($"component {_definition.Name} is not initialised");

    private StreamAddOptions TrimOptions()
    {
        if (_settings.MaxLenApprox is { } maxLen)
        {
            return new StreamAddOptions { MaxLength = maxLen, Approximate = true };
        }

        if (_settings.StreamTtl is { } ttl)
        {
            // contrib trims everything older than now - ttl: MINID ~ <ms>-1.
            var minId = (_context.Time.GetUtcNow() - ttl).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "-1";
            return new StreamAddOptions { MinId = minId, Approximate = true };
        }

        return default;
    }
}
