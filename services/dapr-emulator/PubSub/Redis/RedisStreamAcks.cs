using StackExchange.Redis;

namespace Suite.DaprEmulator.PubSub.Redis;

// The acks of one subscription, sent as one XACK per short window instead of one round trip per
// message: each XACK wakes redis-server and this sidecar, which at hundreds of messages a second was a
// visible share of both. An ack only tells the broker to stop counting the message as pending, so
// sending it a window late changes nothing a subscriber sees as long as the window is well inside
// processingTimeout (60 s by default), after which a pending message is redelivered. Acks still
// gathered when the subscription stops are sent then; should the process die first, those messages
// are redelivered as any un-acked one would be.
internal sealed class RedisStreamAcks(IDatabase database, string topic, string group, TimeSpan gatherFor, ILogger logger)
{
    // XACK takes any number of ids; this bounds one command's size under a backlog.
    private const int MaxIdsPerAck = 512;

    // Each window costs a timer (armed, then fired: two wake-ups of the timer thread) and an XACK
    // round trip, whatever it carries; 20 ms windows carried ~2 acks at 100 messages a second per
    // topic (docs/benchmarks.md, "Delivery path wake-ups"). A tenth of processingTimeout keeps a
    // short timeout (tests use 200 ms) far from redelivering messages that were handled.
    public static readonly TimeSpan MaxGatherFor = TimeSpan.FromMilliseconds(100);

    public static TimeSpan GatherForProcessingTimeout(TimeSpan processingTimeout) =>
        processingTimeout <= TimeSpan.Zero ? MaxGatherFor : TimeSpan.FromTicks(Math.Clamp(processingTimeout.Ticks / 10, TimeSpan.TicksPerMillisecond, MaxGatherFor.Ticks));

    private readonly Lock _lock = new();
    private readonly List<RedisValue> _gathered = [];
    private Task _sending = Task.CompletedTask;
    private bool _scheduled;

    public void Add(string messageId)
    {
        lock (_lock)
        {
            _gathered.Add(messageId);
            if (_scheduled)
            {
                return;
            }

            _scheduled = true;
            _sending = SendAfterGatheringAsync(_sending);
        }
    }

    /// <summary>Sends every ack gathered so far, without waiting for the window.</summary>
    public async Task FlushAsync()
    {
        Task sending;
        lock (_lock)
        {
            sending = _sending;
        }

        await sending;
        await SendGatheredAsync();
    }

    // One window at a time: the next starts once the previous one's XACK is answered.
    private async Task SendAfterGatheringAsync(Task previous)
    {
        await previous;
        // The real clock, not the component's TimeProvider: a clock held still in tests must not
        // hold acks back.
        await Task.Delay(gatherFor);
        lock (_lock)
        {
            _scheduled = false;
        }

        await SendGatheredAsync();
    }

    private async Task SendGatheredAsync()
    {
        while (Take() is { } ids)
        {
            try
            {
                await database.StreamAcknowledgeAsync(topic, group, ids);
            }
            catch (Exception e)
            {
                // Never thrown on: the next window waits for this one. They stay pending and are
                // redelivered after processingTimeout.
                RedisPubSubLog.AckFailed(logger, e, topic, ids.Length);
            }
        }
    }

    private RedisValue[]? Take()
    {
        lock (_lock)
        {
            if (_gathered.Count == 0)
            {
                return null;
            }

            var count = Math.Min(_gathered.Count, MaxIdsPerAck);
            var ids = _gathered.GetRange(0, count).ToArray();
            _gathered.RemoveRange(0, count);
            return ids;
        }
    }
}
