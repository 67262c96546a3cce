using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.PubSub;
using Suite.DaprEmulator.PubSub.Jetstream;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.PubSub;

public sealed class JetStreamPubSubTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private const string ComponentFile = "components/pubsub-jetstream.yaml";

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    [Fact]
    public async Task Published_message_reaches_the_subscriber_with_its_subject_as_Topic_metadata()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct);
        var recorder = new MessageRecorder();

        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);
        await PublishTextAsync(pubsub, topic, "hello", ct);

        await recorder.WaitForHandledAsync(1, ct);
        var message = Assert.Single(recorder.Handled);
        Assert.Equal(topic, message.Topic);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Equal(new Dictionary<string, string> { ["Topic"] = topic }, message.Metadata);
    }

    [Fact]
    public async Task Single_concurrency_handles_messages_one_at_a_time_in_publish_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct);
        var running = 0;
        var maxRunning = 0;
        var recorder = new MessageRecorder(async (_, _, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await Task.Yield();
            Interlocked.Decrement(ref running);
        });
        var expected = Enumerable.Range(0, 30).Select(i => $"m{i}").ToArray();
        foreach (var text in expected)
        {
            await PublishTextAsync(pubsub, topic, text, ct);
        }

        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);

        await recorder.WaitForHandledAsync(expected.Length, ct);
        Assert.Equal(expected, recorder.Texts);
        Assert.Equal(1, maxRunning);
    }

    [Fact]
    public async Task Parallel_concurrency_handles_messages_at_the_same_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct, ("concurrency", "parallel"));
        var running = 0;
        var bothRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Each handler waits for the other one: only concurrent handling lets both finish.
        var recorder = new MessageRecorder(async (_, _, token) =>
        {
            if (Interlocked.Increment(ref running) == 2)
            {
                bothRunning.TrySetResult();
            }

            await bothRunning.Task.WaitAsync(TimeSpan.FromSeconds(5), token);
        });
        await PublishTextAsync(pubsub, topic, "a", ct);
        await PublishTextAsync(pubsub, topic, "b", ct);

        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);

        await recorder.WaitForHandledAsync(2, ct);
        Assert.Equal(["a", "b"], recorder.Texts.Order());
    }

    [Fact]
    public async Task Without_durable_or_queue_group_every_instance_receives_every_message()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var first = await StartAsync(ct, ("deliverPolicy", "new"));
        await using var second = await StartAsync(ct, ("deliverPolicy", "new"));
        var firstRecorder = new MessageRecorder();
        var secondRecorder = new MessageRecorder();
        await using var firstSubscription = await first.SubscribeAsync(new TopicSubscription(topic, NoMetadata), firstRecorder.HandleAsync, ct);
        await using var secondSubscription = await second.SubscribeAsync(new TopicSubscription(topic, NoMetadata), secondRecorder.HandleAsync, ct);

        var expected = Enumerable.Range(0, 10).Select(i => $"m{i}").ToArray();
        foreach (var text in expected)
        {
            await PublishTextAsync(first, topic, text, ct);
        }

        await firstRecorder.WaitForHandledAsync(expected.Length, ct);
        await secondRecorder.WaitForHandledAsync(expected.Length, ct);
        Assert.Equal(expected, firstRecorder.Texts);
        Assert.Equal(expected, secondRecorder.Texts);
    }

    [Fact]
    public async Task Deliver_policy_new_skips_earlier_messages_while_all_replays_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var replaying = await StartAsync(ct, ("deliverPolicy", "all"));
        await using var live = await StartAsync(ct, ("deliverPolicy", "new"));
        await PublishTextAsync(replaying, topic, "before-1", ct);
        await PublishTextAsync(replaying, topic, "before-2", ct);
        var replayRecorder = new MessageRecorder();
        var liveRecorder = new MessageRecorder();
        await using var replaySubscription = await replaying.SubscribeAsync(new TopicSubscription(topic, NoMetadata), replayRecorder.HandleAsync, ct);
        await using var liveSubscription = await live.SubscribeAsync(new TopicSubscription(topic, NoMetadata), liveRecorder.HandleAsync, ct);

        await PublishTextAsync(replaying, topic, "after", ct);

        await replayRecorder.WaitForHandledAsync(3, ct);
        await liveRecorder.WaitForHandledAsync(1, ct);
        Assert.Equal(["before-1", "before-2", "after"], replayRecorder.Texts);

        // Delivery is in stream order, so had `new` replayed anything it would have come before "after".
        Assert.Equal(["after"], liveRecorder.Texts);
    }

    [Fact]
    public async Task Durable_consumer_with_queue_group_shares_messages_between_two_instances()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        (string, string)[] shared = [("durableName", "room-workers"), ("queueGroupName", "room-workers")];
        await using var first = await StartAsync(ct, shared);
        await using var second = await StartAsync(ct, shared);
        var firstRecorder = new MessageRecorder();
        var secondRecorder = new MessageRecorder();
        await using var firstSubscription = await first.SubscribeAsync(new TopicSubscription(topic, NoMetadata), firstRecorder.HandleAsync, ct);
        await using var secondSubscription = await second.SubscribeAsync(new TopicSubscription(topic, NoMetadata), secondRecorder.HandleAsync, ct);

        var expected = Enumerable.Range(0, 40).Select(i => $"m{i}").ToArray();
        foreach (var text in expected)
        {
            await PublishTextAsync(first, topic, text, ct);
        }

        await Eventually.UntilAsync(
            () => firstRecorder.Handled.Count + secondRecorder.Handled.Count >= expected.Length,
            TimeSpan.FromSeconds(5),
            ct,
            "both instances together should handle every message");
        var all = firstRecorder.Texts.Concat(secondRecorder.Texts).ToArray();
        Assert.Equal(expected.Order(), all.Order());
        Assert.NotEmpty(firstRecorder.Texts);
        Assert.NotEmpty(secondRecorder.Texts);
    }

    [Fact]
    public async Task Durable_consumer_resumes_with_messages_published_while_no_subscriber_ran()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct, ("durableName", "resumer"));
        var before = new MessageRecorder();
        var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), before.HandleAsync, ct);
        await PublishTextAsync(pubsub, topic, "m1", ct);
        await before.WaitForHandledAsync(1, ct);
        await subscription.DisposeAsync();

        await PublishTextAsync(pubsub, topic, "m2", ct);
        await PublishTextAsync(pubsub, topic, "m3", ct);
        var after = new MessageRecorder();
        await using var resumed = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), after.HandleAsync, ct);

        await after.WaitForHandledAsync(2, ct);
        Assert.Equal(["m2", "m3"], after.Texts);
        Assert.Equal(["m1"], before.Texts);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1s")]
    public async Task Failed_handler_gets_the_message_redelivered(string? ackWait)
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct, ackWait is null ? [] : [("ackWait", ackWait)]);
        var recorder = new MessageRecorder((_, attempt, _) =>
            attempt == 1 ? throw new InvalidOperationException("first delivery fails") : Task.CompletedTask);
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);

        await PublishTextAsync(pubsub, topic, "retry-me", ct);

        await recorder.WaitForHandledAsync(1, ct);
        Assert.Equal(["retry-me"], recorder.Texts);
        Assert.Equal(2, recorder.Attempts);
    }

    [Fact]
    public async Task A_message_whose_last_allowed_delivery_fails_is_reported_as_given_up_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        using var logs = new FakeLoggerProvider();
        using var loggers = new LoggerFactory([logs]);
        var pubsub = CreateComponent(new Dictionary<string, string> { ["natsURL"] = nats.Server.Url, ["maxDeliver"] = "3" }, loggers);
        await using var _ = pubsub;
        await pubsub.InitAsync(ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        var recorder = new MessageRecorder((_, _, _) => throw new InvalidOperationException("the app is down"));
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);

        await PublishTextAsync(pubsub, topic, "doomed", ct);

        await Eventually.UntilAsync(() => GaveUp(logs).Count == 1, TimeSpan.FromSeconds(10), ct, "no warning that the server gave up");
        Assert.Equal(3, recorder.Attempts);
        var warning = Assert.Single(GaveUp(logs));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("delivery 3 did not succeed and maxDeliver is 3", warning.Message, StringComparison.Ordinal);
        Assert.Contains(topic, warning.Message, StringComparison.Ordinal);

        // The first two failures were only NAKs the server acted on: one warning each, no "gave up".
        Assert.Equal(3, logs.Collector.GetSnapshot().Count(r => r.Message.StartsWith("Handler failed", StringComparison.Ordinal)));

        static List<FakeLogRecord> GaveUp(FakeLoggerProvider logs) =>
            [.. logs.Collector.GetSnapshot().Where(r => r.Message.StartsWith("Gave up", StringComparison.Ordinal))];
    }

    [Theory]
    [InlineData("$JS.ACK.SUITE.edge-0-edge-0.3.120.118.1733480000000000000.0", 3L)]
    [InlineData("$JS.ACK.hub.ACCHASH.SUITE.edge-0-edge.1.120.118.1733480000000000000.0.token", 1L)]
    [InlineData("_INBOX.abc", null)]
    [InlineData("$JS.ACK.too.short", null)]
    [InlineData(null, null)]
    public void The_ack_subject_tells_how_many_times_the_message_was_delivered(string? replyTo, long? expected) =>
        Assert.Equal(expected, JetStreamAckSubject.Deliveries(replyTo));

    [Fact]
    public async Task Cancelled_handler_is_neither_acked_nor_naked_so_the_server_redelivers_after_ackWait()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct, ("ackWait", "1s"));
        var firstAttempt = 0L;
        var secondAttempt = 0L;
        var recorder = new MessageRecorder((_, attempt, _) =>
        {
            if (attempt == 1)
            {
                firstAttempt = Stopwatch.GetTimestamp();
                throw new OperationCanceledException("handler timed out");
            }

            secondAttempt = Stopwatch.GetTimestamp();
            return Task.CompletedTask;
        });
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);

        await PublishTextAsync(pubsub, topic, "slow", ct);

        await recorder.WaitForHandledAsync(1, ct);
        Assert.Equal(2, recorder.Attempts);

        // A NAK would redeliver within milliseconds; only the expired ackWait (1 s) brings it back.
        // The server starts that clock at delivery, before the handler runs, so under load the gap
        // seen from the handler is shorter than the full second; half of it still tells them apart.
        var redeliveredAfter = Stopwatch.GetElapsedTime(firstAttempt, secondAttempt);
        Assert.True(redeliveredAfter >= TimeSpan.FromMilliseconds(500), $"redelivered after {redeliveredAfter}");
    }

    [Fact]
    public async Task Publishing_the_same_cloud_event_id_twice_stores_it_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct);
        var cloudEvent = $$"""{"id":"{{Guid.NewGuid()}}","specversion":"1.0","type":"com.dapr.event.sent","source":"test","data":"once"}""";
        await PublishTextAsync(pubsub, topic, cloudEvent, ct);
        await PublishTextAsync(pubsub, topic, cloudEvent, ct);
        await PublishTextAsync(pubsub, topic, "marker", ct);
        var recorder = new MessageRecorder();

        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);

        await recorder.WaitForHandledAsync(2, ct);
        Assert.Equal([cloudEvent, "marker"], recorder.Texts);
    }

    [Fact]
    public async Task Idle_heartbeats_and_flow_control_are_answered_and_never_reach_the_handler()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        var durable = $"hb{Guid.NewGuid():N}";
        await using var pubsub = await StartAsync(ct, ("durableName", durable), ("flowControl", "true"), ("heartbeat", "1s"));
        var recorder = new MessageRecorder();
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), recorder.HandleAsync, ct);
        await PublishTextAsync(pubsub, topic, "m1", ct);
        await recorder.WaitForHandledAsync(1, ct);

        // Watch the consumer's deliver subject (derived from stream, durable and topic) until the server has sent an
        // idle heartbeat, so the next message is known to come after one.
        var stream = "S" + topic["test.".Length..];
        await using var observer = new NatsConnection(NatsOpts.Default with { Url = nats.Server.Url });
        using var heartbeatWait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        heartbeatWait.CancelAfter(TimeSpan.FromSeconds(5));
        await foreach (var msg in observer.SubscribeAsync<byte[]>($"_dapr.deliver.{stream}.{durable}-{topic.Replace('.', '_')}", cancellationToken: heartbeatWait.Token))
        {
            if (msg.Headers is { Code: 100 })
            {
                break;
            }
        }

        await PublishTextAsync(pubsub, topic, "m2", ct);

        await recorder.WaitForHandledAsync(2, ct);
        Assert.Equal(["m1", "m2"], recorder.Texts);
    }

    [Fact]
    public async Task Disposing_an_ephemeral_subscription_deletes_its_consumer()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        var stream = "S" + topic["test.".Length..];
        await using var pubsub = await StartAsync(ct);
        await using var observer = new NatsConnection(NatsOpts.Default with { Url = nats.Server.Url });
        var jetStream = new NatsJSContext(observer);

        var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), new MessageRecorder().HandleAsync, ct);
        Assert.Equal(1, (await jetStream.GetStreamAsync(stream, cancellationToken: ct)).Info.State.ConsumerCount);
        await subscription.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);

        Assert.Equal(0, (await jetStream.GetStreamAsync(stream, cancellationToken: ct)).Info.State.ConsumerCount);
    }

    [Fact]
    public async Task Init_fails_when_no_server_listens()
    {
        var ct = TestContext.Current.CancellationToken;
        var pubsub = CreateComponent(new Dictionary<string, string> { ["natsURL"] = $"nats://127.0.0.1:{FreePort.Next()}" });
        await using var _ = pubsub;

        await Assert.ThrowsAnyAsync<NatsException>(() => pubsub.InitAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
    }

    [Fact]
    public async Task Publishing_to_a_subject_no_stream_covers_fails()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pubsub = await StartAsync(ct);
        var topic = $"nostream.{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<NoStreamForSubjectException>(
            () => PublishTextAsync(pubsub, topic, "lost", ct).WaitAsync(TimeSpan.FromSeconds(10), ct));

        Assert.Equal(topic, error.Subject);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribing_to_a_subject_no_stream_covers_fails_naming_the_subject()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var pubsub = await StartAsync(ct);
        var topic = $"nostream.{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<NoStreamForSubjectException>(
            () => pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), new MessageRecorder().HandleAsync, ct).WaitAsync(TimeSpan.FromSeconds(5), ct));

        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribing_with_a_stream_name_that_does_not_exist_fails_naming_stream_and_subject()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateStreamAsync(ct);
        await using var pubsub = await StartAsync(ct, ("streamName", "MISSING"));

        var error = await Assert.ThrowsAsync<NoStreamForSubjectException>(
            () => pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), new MessageRecorder().HandleAsync, ct).WaitAsync(TimeSpan.FromSeconds(5), ct));

        Assert.Equal("MISSING", error.StreamName);
        Assert.Contains(topic, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("natsURL", "natsURL", "")]
    [InlineData("seedKey", "jwt", "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ")]
    [InlineData("jwt", "seedKey", "SUAEXAMPLE")]
    [InlineData("tls_client_key", "tls_client_cert", "/etc/nats/client.pem")]
    [InlineData("tls_client_cert", "tls_client_key", "/etc/nats/client-key.pem")]
    [InlineData("deliverPolicy", "deliverPolicy", "newest")]
    [InlineData("ackPolicy", "ackPolicy", "sometimes")]
    [InlineData("concurrency", "concurrency", "many")]
    [InlineData("ackWait", "ackWait", "30 seconds")]
    [InlineData("heartbeat", "heartbeat", "5")]
    [InlineData("backOff", "backOff", "1s,soon")]
    [InlineData("maxDeliver", "maxDeliver", "three")]
    [InlineData("startTime", "startTime", "yesterday")]
    [InlineData("startSequence", "deliverPolicy", "sequence")]
    [InlineData("durableName", "durableName", "room.workers")]
    public void Bad_metadata_throws_naming_the_field(string expectedField, string field, string value)
    {
        var values = new Dictionary<string, string> { ["natsURL"] = "nats://127.0.0.1:4222", [field] = value };

        var error = Assert.Throws<ComponentConfigurationException>(() => CreateComponent(values));

        Assert.Equal(expectedField, error.Field);
        Assert.Equal(ComponentFile, error.FilePath);
        Assert.Contains(expectedField, error.Message, StringComparison.Ordinal);
    }

    private static JetStreamPubSub CreateComponent(Dictionary<string, string> values, ILoggerFactory? loggers = null) =>
        new(
            new ComponentDefinition("pubsub", "pubsub.jetstream", "v1", new ComponentMetadata(values, ComponentFile), [], ComponentFile),
            new ComponentContext("test-app", loggers ?? NullLoggerFactory.Instance, TimeProvider.System));

    private static Task PublishTextAsync(IPubSub pubsub, string topic, string text, CancellationToken ct) =>
        pubsub.PublishAsync(topic, Encoding.UTF8.GetBytes(text), NoMetadata, ct).WaitAsync(TimeSpan.FromSeconds(5), ct);

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private async Task<JetStreamPubSub> StartAsync(CancellationToken ct, params (string Name, string Value)[] metadata)
    {
        var values = new Dictionary<string, string> { ["natsURL"] = nats.Server.Url };
        foreach (var (name, value) in metadata)
        {
            values[name] = value;
        }

        var pubsub = CreateComponent(values);
        await pubsub.InitAsync(ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        return pubsub;
    }

    // A stream per test, covering one subject of its own, so tests never see each other's messages.
    private async Task<string> CreateStreamAsync(CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N");
        var topic = $"test.{id}";
        await nats.Server.CreateStreamAsync($"S{id}", [topic], ct).WaitAsync(TimeSpan.FromSeconds(5), ct);
        return topic;
    }
}
