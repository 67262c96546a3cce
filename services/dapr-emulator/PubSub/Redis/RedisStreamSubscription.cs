using System.Threading.Channels;
using StackExchange.Redis;

namespace Suite.DaprEmulator.PubSub.Redis;

// One topic consumed by one consumer group, as contrib's pubsub.redis does it: a blocking
// XREADGROUP loop and a reclaim loop feed a bounded queue that concurrency workers drain.
internal sealed class RedisStreamSubscription : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly string _topic;
    private readonly RedisPubSubSettings _settings;
    private readonly IDatabase _database;
    private readonly ConfigurationOptions _connectionOptions;
    private readonly MessageHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<RedisStreamSubscription> _onDisposed;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Channel<RedisStreamMessage> _queue;
    private readonly RedisStreamAcks _acks;
    private RedisStreamReader? _reader;
    private Task _loops = Task.CompletedTask;
    private int _disposed;

    public RedisStreamSubscription(
        string topic,
        RedisPubSubSettings settings,
        IDatabase database,
        ConfigurationOptions connectionOptions,
        MessageHandler handler,
        TimeProvider time,
        ILogger logger,
        Action<RedisStreamSubscription> onDisposed)
    {
        _topic = topic;
        _settings = settings;
        _database = database;
        _connectionOptions = connectionOptions;
        _handler = handler;
        _time = time;
        _logger = logger;
        _onDisposed = onDisposed;

        _acks = new RedisStreamAcks(database, topic, settings.ConsumerId, RedisStreamAcks.GatherForProcessingTimeout(settings.ProcessingTimeout), logger);

        // queueDepth bounds what is read ahead of the workers, as contrib's buffered channel does;
        // the read loop waits while it is full instead of growing the pending list unboundedly.
        // Continuations stay asynchronous, though running a worker on the read loop's thread would
        // save a hop per message: a bounded channel resumes a blocked writer inside its lock, before
        // it queues that writer's message, so the read loop resumed there could queue the next first.
        _queue = Channel.CreateBounded<RedisStreamMessage>(new BoundedChannelOptions(settings.QueueDepth)
        {
            SingleWriter = false,
            SingleReader = settings.Concurrency == 1,
        });
    }

    private string Group => _settings.ConsumerId;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await EnsureGroupAsync().WaitAsync(cancellationToken);
        _reader = await RedisStreamReader.ConnectAsync(_connectionOptions, _topic, Group, _settings.QueueDepth, cancellationToken);

        var loops = new List<Task> { Task.Run(ReadLoopAsync, CancellationToken.None), Task.Run(RedeliverLoopAsync, CancellationToken.None) };
        for (var i = 0; i < _settings.Concurrency; i++)
        {
            loops.Add(Task.Run(WorkerAsync, CancellationToken.None));
        }

        _loops = Task.WhenAll(loops);
        RedisPubSubLog.Subscribed(_logger, _topic, Group);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_reader is not null)
        {
            await _reader.DisposeAsync();
        }

        // The loops end on the cancelled token; entries still queued or in a cancelled handler were
        // never acked, so they stay in the group's pending list for redelivery. Those handled are.
        await _loops;
        await _acks.FlushAsync();
        _stopping.Dispose();
        _onDisposed(this);
    }

    private async Task EnsureGroupAsync()
    {
        try
        {
            // MKSTREAM + position 0: a new group replays the retained stream (contract §4.1).
            await _database.StreamCreateConsumerGroupAsync(_topic, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another replica or an earlier run created it; sharing it is the point of a group.
        }
    }

    private async Task ReadLoopAsync()
    {
        var stopping = _stopping.Token;
        var groupMissing = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (groupMissing)
                {
                    await EnsureGroupAsync();
                    groupMissing = false;
                }

                var messages = await _reader!.ReadAsync(stopping);
                foreach (var message in messages)
                {
                    await _queue.Writer.WriteAsync(message, stopping);
                }
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or group vanished (FLUSHALL, restart without persistence, DEL).
                RedisPubSubLog.GroupMissing(_logger, _topic, Group);
                groupMissing = true;
            }
            catch (Exception e)
            {
                // Connection loss included: the multiplexer reconnects on its own, so keep asking.
                RedisPubSubLog.ReadFailed(_logger, e, _topic);
                await DelayAsync(stopping);
            }
        }
    }

    private async Task RedeliverLoopAsync()
    {
        if (!_settings.RedeliveryEnabled)
        {
            return;
        }

        var stopping = _stopping.Token;
        try
        {
            using var timer = new PeriodicTimer(_settings.RedeliverInterval, _time);
            do
            {
                await ReclaimAsync(stopping);
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task ReclaimAsync(CancellationToken stopping)
    {
        var minIdle = (long)_settings.ProcessingTimeout.TotalMilliseconds;
        while (!stopping.IsCancellationRequested)
        {
            RedisValue[] idle;
            StreamEntry[] claimed;
            try
            {
                var pending = await _database.StreamPendingMessagesAsync(_topic, Group, _settings.QueueDepth, RedisValue.Null, "-", "+");
                idle = pending.Where(p => p.IdleTimeInMilliseconds >= minIdle).Select(p => p.MessageId).ToArray();
                if (idle.Length == 0)
                {
                    return;
                }

                // XCLAIM re-checks the idle time, so an entry another replica claimed meanwhile is skipped.
                claimed = await _database.StreamClaimAsync(_topic, Group, Group, minIdle, idle);
                await AckVanishedAsync(idle, claimed);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                RedisPubSubLog.ReclaimFailed(_logger, e, _topic);
                return;
            }

            var messages = claimed.Where(e => !e.IsNull && e.Values.Length > 0).ToList();
            if (messages.Count == 0)
            {
                return;
            }

            RedisPubSubLog.Redelivering(_logger, _topic, messages.Count);
            foreach (var entry in messages)
            {
                var message = RedisStreamMessage.FromFields(entry.Id.ToString(), entry.Values.Select(v => (v.Name, v.Value)));
                await _queue.Writer.WriteAsync(message, stopping);
            }
        }
    }

    // Entries trimmed by MAXLEN/MINID or deleted while pending can never be delivered; contrib acks
    // them so they stop counting as pending. Ids XCLAIM skipped because they still exist belong to
    // another consumer now and are left alone.
    private async Task AckVanishedAsync(RedisValue[] requested, StreamEntry[] claimed)
    {
        var returned = claimed.Where(e => !e.IsNull && e.Values.Length > 0).Select(e => e.Id).ToHashSet();
        foreach (var id in requested.Where(id => !returned.Contains(id)))
        {
            var stillThere = await _database.StreamRangeAsync(_topic, id, id);
            if (stillThere.Length == 0)
            {
                await _database.StreamAcknowledgeAsync(_topic, Group, id);
            }
        }
    }

    private async Task WorkerAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping))
            {
                while (!stopping.IsCancellationRequested && _queue.Reader.TryRead(out var message))
                {
                    await DeliverAsync(message, stopping);
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(RedisStreamMessage message, CancellationToken stopping)
    {
        // contrib bounds each handler call by processingTimeout whenever redelivery is on, so a hung
        // handler is cancelled about when its message becomes claimable again.
        using var timeout = _settings.RedeliveryEnabled
            ? new CancellationTokenSource(_settings.ProcessingTimeout, _time)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            await _handler(new PubSubMessage(_topic, message.Data, message.Metadata), linked.Token);
        }
        catch (Exception e) when (e is OperationCanceledException || linked.IsCancellationRequested)
        {
            // Timeout or shutdown: the one outcome Dapr 1.17+ leaves pending (contract §4.1).
            RedisPubSubLog.HandlerCancelled(_logger, _topic, message.Id);
            return;
        }
        catch (Exception e)
        {
            // Since Dapr 1.17 an app failure is acked; retries belong to resiliency policies.
            RedisPubSubLog.HandlerFailed(_logger, e, _topic, message.Id);
        }

        _acks.Add(message.Id);
    }

    private async Task DelayAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(RetryDelay, _time, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
