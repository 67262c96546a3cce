using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Suite.ServiceDefaults.Publishing;
using Suite.Testing;

namespace Suite.ServiceDefaults.Tests.Publishing;

public sealed class OutboxRelayTests
{
    private static readonly OutboxRelayOptions Options = new()
    {
        PollInterval = TimeSpan.FromSeconds(5),
        FirstRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(5),
        RemoveBatch = 2,
    };

    private readonly CountingTime _time = new();
    private readonly ListOutbox _outbox = new();
    private readonly ConcurrentQueue<string> _published = new();
    private volatile bool _refusing;
    private int _attempts;

    [Fact]
    public async Task Stored_events_are_published_in_order_at_start_and_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        _outbox.Store("a", "b", "c");

        await using var relay = await StartAsync(ct);

        await Eventually.UntilAsync(() => _outbox.Count == 0, TimeSpan.FromSeconds(5), ct, "the outbox emptied");
        Assert.Equal(["a", "b", "c"], _published);
    }

    [Fact]
    public async Task A_refused_event_is_tried_again_with_backoff_and_nothing_behind_it_goes_first()
    {
        var ct = TestContext.Current.CancellationToken;
        _refusing = true;
        _outbox.Store("a", "b");
        await using var relay = await StartAsync(ct);
        await Eventually.UntilAsync(() => Volatile.Read(ref _attempts) == 1, TimeSpan.FromSeconds(5), ct, "a first attempt");

        // 100 ms, 200, 400, ... doubling up to 5 s: an attempt each time the clock reaches the next one.
        foreach (var delay in new[] { 100, 200, 400, 800, 1600, 3200, 5000, 5000 })
        {
            var before = Volatile.Read(ref _attempts);
            await Eventually.UntilAsync(() => _time.Timers == before, TimeSpan.FromSeconds(5), ct, "the relay waits for its next try");
            _time.Advance(TimeSpan.FromMilliseconds(delay - 1));
            Assert.Equal(before, Volatile.Read(ref _attempts));
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await Eventually.UntilAsync(() => Volatile.Read(ref _attempts) == before + 1, TimeSpan.FromSeconds(5), ct, $"an attempt after {delay} ms");
        }

        Assert.Empty(_published);
        Assert.Equal(2, _outbox.Count);
        Assert.True(relay.Relay.Failures >= 9);

        _refusing = false;
        await Eventually.UntilAsync(() => _time.Timers == Volatile.Read(ref _attempts), TimeSpan.FromSeconds(5), ct, "the relay waits for its next try");
        _time.Advance(Options.MaxRetryDelay);
        await Eventually.UntilAsync(() => _outbox.Count == 0, TimeSpan.FromSeconds(5), ct, "the outbox emptied once publishes were accepted");
        Assert.Equal(["a", "b"], _published);
    }

    [Fact]
    public async Task Notify_publishes_a_new_event_without_waiting_for_the_poll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var relay = await StartAsync(ct);
        await Eventually.UntilAsync(() => _outbox.Reads >= 1, TimeSpan.FromSeconds(5), ct, "the first pass");

        _outbox.Store("a");
        relay.Relay.Notify();

        await Eventually.UntilAsync(() => _outbox.Count == 0, TimeSpan.FromSeconds(5), ct, "the event published");
        Assert.Equal(["a"], _published);
    }

    [Fact]
    public async Task An_event_stored_without_a_notify_goes_out_at_the_next_poll()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var relay = await StartAsync(ct);
        await Eventually.UntilAsync(() => _outbox.Reads >= 1, TimeSpan.FromSeconds(5), ct, "the first pass");

        // As another replica that stored an event and died before publishing it.
        _outbox.Store("a");
        await Eventually.UntilAsync(() => _time.Timers == 1, TimeSpan.FromSeconds(5), ct, "the relay waits for its poll");
        _time.Advance(Options.PollInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _outbox.Reads);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        await Eventually.UntilAsync(() => _outbox.Count == 0, TimeSpan.FromSeconds(5), ct, "the event published at the poll");
        Assert.Equal(["a"], _published);
    }

    [Fact]
    public async Task A_failed_removal_publishes_the_event_again_rather_than_losing_it()
    {
        var ct = TestContext.Current.CancellationToken;
        _outbox.FailRemovals = 1;
        _outbox.Store("a");

        await using var relay = await StartAsync(ct);
        await Eventually.UntilAsync(() => _outbox.RemoveAttempts >= 1 && _time.Timers == 1, TimeSpan.FromSeconds(5), ct, "a removal failed and waits for its next try");
        _time.Advance(Options.FirstRetryDelay);

        await Eventually.UntilAsync(() => _outbox.Count == 0, TimeSpan.FromSeconds(5), ct, "the event removed at the second try");
        Assert.Equal(["a"], _published);
    }

    private async Task<RunningRelay> StartAsync(CancellationToken ct)
    {
        var relay = new OutboxRelay(_outbox, PublishAsync, _ => Task.CompletedTask, Options, _time, NullLogger<OutboxRelay>.Instance);
        await relay.StartAsync(ct);
        return new RunningRelay(relay);
    }

    private Task PublishAsync(string topic, string json, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        if (_refusing)
        {
            throw new InvalidOperationException("broker refuses");
        }

        Assert.Equal("t", topic);
        _published.Enqueue(json);
        return Task.CompletedTask;
    }

    // Counts timers, so a test moves the clock only once the relay waits on it.
    private sealed class CountingTime() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    private sealed class RunningRelay(OutboxRelay relay) : IAsyncDisposable
    {
        public OutboxRelay Relay => relay;

        public async ValueTask DisposeAsync()
        {
            await relay.StopAsync(CancellationToken.None);
            relay.Dispose();
        }
    }

    private sealed class ListOutbox : IOutbox
    {
        private readonly Lock _lock = new();
        private readonly List<OutboxEvent> _events = [];
        private int _reads;
        private int _removeAttempts;

        public int FailRemovals { get; set; }

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _events.Count;
                }
            }
        }

        public int Reads => Volatile.Read(ref _reads);

        public int RemoveAttempts => Volatile.Read(ref _removeAttempts);

        public void Store(params string[] payloads)
        {
            lock (_lock)
            {
                _events.AddRange(payloads.Select(p => new OutboxEvent { Id = Guid.NewGuid().ToString("N"), Topic = "t", Json = p }));
            }
        }

        public Task<IReadOnlyList<OutboxEvent>> PendingAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            lock (_lock)
            {
                return Task.FromResult<IReadOnlyList<OutboxEvent>>([.. _events]);
            }
        }

        public Task RemoveAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _removeAttempts) <= FailRemovals)
            {
                throw new InvalidOperationException("store refuses");
            }

            lock (_lock)
            {
                _events.RemoveAll(e => ids.Contains(e.Id));
            }

            return Task.CompletedTask;
        }
    }
}
