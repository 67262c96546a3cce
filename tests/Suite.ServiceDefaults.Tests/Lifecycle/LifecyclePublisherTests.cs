using System.Text;
using Dapr;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.Lifecycle;
using Suite.Testing;

namespace Suite.ServiceDefaults.Tests.Lifecycle;

public sealed class LifecyclePublisherTests
{
    [Fact]
    public async Task A_failed_publish_is_retried_with_backoff_until_it_lands_in_queue_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var broker = new FlakyBroker(failures: 3);
        using var publisher = new LifecyclePublisher(broker.PublishAsync, time, NullLogger<LifecyclePublisher>.Instance);
        await publisher.StartAsync(ct);

        publisher.Enqueue(DaprNames.PresenceLifecycleTopic, Event("c1", 1));
        publisher.Enqueue(DaprNames.PresenceLifecycleTopic, Event("c2", 2));
        // Backoff runs on the publisher's clock; each step lets the next retry (100, 200, 400 ms) due.
        await Eventually.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(50));
                return publisher.Published == 2;
            },
            TimeSpan.FromSeconds(10),
            ct,
            "both published after three failures");

        Assert.Equal(0L, publisher.Pending);
        // c1 went out alone at once and was refused three times; c2, queued meanwhile, followed it in the next publish.
        Assert.Equal(5, broker.Attempts);
        Assert.Equal(["c1", "c2"], broker.Landed.Select(e => e.ConnectionId));
        await publisher.StopAsync(ct);
    }

    [Fact]
    public async Task Events_still_queued_at_stop_are_published_before_it_ends()
    {
        var ct = TestContext.Current.CancellationToken;
        var broker = new FlakyBroker(failures: 0) { Gate = new TaskCompletionSource() };
        using var publisher = new LifecyclePublisher(broker.PublishAsync, TimeProvider.System, NullLogger<LifecyclePublisher>.Instance);
        await publisher.StartAsync(ct);
        publisher.Enqueue(DaprNames.PresenceLifecycleTopic, Event("c1", 1));
        await Eventually.UntilAsync(() => broker.Attempts >= 1, TimeSpan.FromSeconds(5), ct, "the first publish in flight");
        publisher.Enqueue(DaprNames.RoomLifecycleTopic, Event("c2", 2));

        var stopping = publisher.StopAsync(ct);
        broker.Gate.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal(["c1", "c2"], broker.Landed.Select(e => e.ConnectionId).Order());
        Assert.Equal([DaprNames.PresenceLifecycleTopic, DaprNames.RoomLifecycleTopic], broker.Topics.Order());
    }

    [Fact]
    public async Task A_stop_that_gives_up_after_the_host_disposed_the_publisher_ends_without_an_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var broker = new FlakyBroker(failures: 0) { Gate = new TaskCompletionSource() };
        var publisher = new LifecyclePublisher(broker.PublishAsync, TimeProvider.System, NullLogger<LifecyclePublisher>.Instance);
        publisher.Enqueue(DaprNames.PresenceLifecycleTopic, Event("c1", 1));
        await Eventually.UntilAsync(() => broker.Attempts >= 1, TimeSpan.FromSeconds(5), ct, "the publish in flight");
        using var giveUp = new CancellationTokenSource();

        // Draining (the publish never lands), then the host disposes it, then the stop is cut short.
        var stopping = publisher.StopAsync(giveUp.Token);
        publisher.Dispose();
        await giveUp.CancelAsync();

        await stopping.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(1, publisher.Pending);
        broker.Gate.SetResult();
    }

    [Fact]
    public async Task A_topic_whose_publishes_fail_holds_back_no_other_topic()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var broker = new FlakyBroker(failures: 0) { Refused = DaprNames.PresenceLifecycleTopic };
        using var publisher = new LifecyclePublisher(broker.PublishAsync, time, NullLogger<LifecyclePublisher>.Instance);
        await publisher.StartAsync(ct);

        publisher.Enqueue(DaprNames.PresenceLifecycleTopic, Event("stuck", 1));
        publisher.Enqueue(DaprNames.RoomLifecycleTopic, Event("r1", 1));
        publisher.Enqueue(DaprNames.RoomLifecycleTopic, Event("r2", 2));
        await Eventually.UntilAsync(() => publisher.Published == 2, TimeSpan.FromSeconds(10), ct, "the other topic's events published");

        Assert.Equal(["r1", "r2"], broker.Landed.Select(e => e.ConnectionId));
        Assert.Equal(1L, publisher.Pending);
    }

    private static ConnectionLifecycleEvent Event(string connectionId, ulong version) =>
        new() { ConnectionId = connectionId, UserId = "alice", Kind = ConnectionLifecycleKind.Connected, Version = version };

    /// <summary>Fails the first <c>failures</c> publishes; a publish waits for <see cref="Gate"/> when set.</summary>
    private sealed class FlakyBroker(int failures)
    {
        private int _attempts;

        public TaskCompletionSource? Gate { get; init; }

        public int Attempts => Volatile.Read(ref _attempts);

        public List<ConnectionLifecycleEvent> Landed { get; } = [];

        public List<string> Topics { get; } = [];

        /// <summary>A topic every publish to fails.</summary>
        public string? Refused { get; init; }

        public async Task PublishAsync(string topic, IReadOnlyList<ReadOnlyMemory<byte>> events, CancellationToken cancellationToken)
        {
            if (topic == Refused)
            {
                throw new DaprException("the broker refuses this topic");
            }

            var attempt = Interlocked.Increment(ref _attempts);
            if (Gate is not null)
            {
                // Not the publisher's token: a stop cancels its loop, and the drain must still finish this.
                await Gate.Task;
            }

            if (attempt <= failures)
            {
                throw new DaprException("the broker refused");
            }

            lock (Landed)
            {
                Topics.Add(topic);
                Landed.AddRange(events.Select(e => Google.Protobuf.JsonParser.Default.Parse<ConnectionLifecycleEvent>(Encoding.UTF8.GetString(e.Span))));
            }
        }
    }
}
