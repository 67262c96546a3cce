using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using StackExchange.Redis;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.PubSub;
using Suite.DaprEmulator.PubSub.Redis;
using Suite.DaprEmulator.Tests.Redis;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.PubSub;

public sealed class RedisPubSubTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    // Fast redelivery so timeout paths finish within a test's bound.
    private static readonly (string, string)[] FastRedelivery = [("processingTimeout", "200"), ("redeliverInterval", "200")];

    [Fact]
    public async Task Published_message_reaches_the_subscriber_with_its_metadata()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync();
        var received = Channel.CreateUnbounded<PubSubMessage>();
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);

        await pubsub.PublishAsync(topic, "hello"u8.ToArray(), new Dictionary<string, string> { ["traceparent"] = "00-abc-01" }, ct);

        var message = await received.Reader.ReadAsync(ct).AsTask().WaitAsync(Bound, ct);
        Assert.Equal(topic, message.Topic);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Equal("00-abc-01", message.Metadata["traceparent"]);
    }

    [Fact]
    public async Task Entries_use_contribs_field_layout_and_omit_empty_metadata()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync();

        await pubsub.PublishAsync(topic, "a"u8.ToArray(), NoMetadata, ct);
        await pubsub.PublishAsync(topic, "b"u8.ToArray(), new Dictionary<string, string> { ["k"] = "v" }, ct);

        var entries = await redis.Database.StreamRangeAsync(topic);
        Assert.Equal(["data"], entries[0].Values.Select(v => v.Name.ToString()));
        Assert.Equal("a", entries[0]["data"].ToString());
        Assert.Equal(["data", "metadata"], entries[1].Values.Select(v => v.Name.ToString()));
        Assert.Equal("""{"k":"v"}""", entries[1]["metadata"].ToString());
    }

    [Fact]
    public async Task Concurrency_one_delivers_in_publish_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync(("concurrency", "1"));
        var received = Channel.CreateUnbounded<PubSubMessage>();
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);

        var sent = Enumerable.Range(0, 50).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var text in sent)
        {
            await pubsub.PublishAsync(topic, Encoding.UTF8.GetBytes(text), NoMetadata, ct);
        }

        var got = await ReadTextsAsync(received, sent.Count, ct);
        Assert.Equal(sent, got);
    }

    [Fact]
    public async Task At_most_concurrency_messages_are_in_the_handler_at_once_and_the_rest_follow_as_they_finish()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var pubsub = await StartAsync(("concurrency", "3"), ("consumerID", group));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inHandler = 0;
        var most = 0;
        var handled = 0;
        await using var subscription = await pubsub.SubscribeAsync(
            new TopicSubscription(topic, NoMetadata),
            async (_, handlerCt) =>
            {
                var now = Interlocked.Increment(ref inHandler);
                InterlockedMax(ref most, now);
                await release.Task.WaitAsync(handlerCt);
                Interlocked.Decrement(ref inHandler);
                Interlocked.Increment(ref handled);
            },
            ct);

        await PublishNumberedAsync(pubsub, topic, 10, ct);
        await Eventually.UntilAsync(() => Volatile.Read(ref inHandler) == 3, Bound, ct, "three messages in the handler");
        Assert.Equal(0, Volatile.Read(ref handled));

        release.SetResult();
        await Eventually.UntilAsync(() => Volatile.Read(ref handled) == 10, Bound, ct, "every message handled once released");
        Assert.Equal(3, Volatile.Read(ref most));
        await Eventually.UntilAsync(() => PendingAsync(topic, group), pending => pending == 0, Bound, ct, "every delivery is acked");

        static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
            {
            }
        }
    }

    [Fact]
    public async Task Subscribers_sharing_a_consumer_id_each_get_a_message_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var replicaA = await StartAsync(("consumerID", group));
        await using var replicaB = await StartAsync(("consumerID", group));
        var received = Channel.CreateUnbounded<PubSubMessage>();
        await using var subA = await replicaA.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);
        await using var subB = await replicaB.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);

        var sent = await PublishNumberedAsync(replicaA, topic, 20, ct);

        var got = await ReadTextsAsync(received, sent.Count, ct);
        Assert.Equal(sent.Order(), got.Order());
        await Eventually.UntilAsync(() => PendingAsync(topic, group), pending => pending == 0, Bound, ct, "every delivery is acked");
        Assert.False(received.Reader.TryRead(out _), "a message was delivered twice");
    }

    [Fact]
    public async Task Subscribers_with_different_consumer_ids_each_get_every_message()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var replicaA = await StartAsync(("consumerID", RedisFixture.Unique("a")));
        await using var replicaB = await StartAsync(("consumerID", RedisFixture.Unique("b")));
        var receivedA = Channel.CreateUnbounded<PubSubMessage>();
        var receivedB = Channel.CreateUnbounded<PubSubMessage>();
        await using var subA = await replicaA.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(receivedA), ct);
        await using var subB = await replicaB.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(receivedB), ct);

        var sent = await PublishNumberedAsync(replicaA, topic, 10, ct);

        Assert.Equal(sent.Order(), (await ReadTextsAsync(receivedA, sent.Count, ct)).Order());
        Assert.Equal(sent.Order(), (await ReadTextsAsync(receivedB, sent.Count, ct)).Order());
    }

    [Fact]
    public async Task Messages_published_while_the_group_has_no_subscriber_are_delivered_on_resubscribe()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        // A blocked read of the disposed subscription may still take the first entry as Redis closes
        // it; like any entry a gone consumer held, it comes back after processingTimeout, so a short
        // one keeps the test quick and the order of arrival is not part of the promise.
        await using var pubsub = await StartAsync(("consumerID", RedisFixture.Unique("group")), ("processingTimeout", "300ms"), ("redeliverInterval", "100"));
        var received = Channel.CreateUnbounded<PubSubMessage>();
        var first = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);
        await first.DisposeAsync().AsTask().WaitAsync(Bound, ct);

        var sent = await PublishNumberedAsync(pubsub, topic, 3, ct);
        await using var second = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);

        Assert.Equal(sent.Order(), (await ReadTextsAsync(received, sent.Count, ct)).Order());
    }

    [Fact]
    public async Task A_new_consumer_group_replays_the_retained_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync(("concurrency", "1"));
        var sent = await PublishNumberedAsync(pubsub, topic, 3, ct);

        var received = Channel.CreateUnbounded<PubSubMessage>();
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);

        Assert.Equal(sent, await ReadTextsAsync(received, sent.Count, ct));
    }

    [Fact]
    public async Task A_failed_handler_is_acked_and_not_redelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var pubsub = await StartAsync([.. FastRedelivery, ("consumerID", group)]);
        var calls = 0;
        await using var subscription = await pubsub.SubscribeAsync(
            new TopicSubscription(topic, NoMetadata),
            (_, _) =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("app returned 500");
            },
            ct);

        await pubsub.PublishAsync(topic, "x"u8.ToArray(), NoMetadata, ct);

        await Eventually.UntilAsync(() => Volatile.Read(ref calls) >= 1, Bound, ct, "the handler ran");
        await Eventually.UntilAsync(() => PendingAsync(topic, group), pending => pending == 0, Bound, ct, "the failed message is acked");
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_cancelled_handler_leaves_the_message_pending_until_redelivery()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var pubsub = await StartAsync([.. FastRedelivery, ("consumerID", group)]);
        var deliveries = new ConcurrentQueue<string>();
        await using var subscription = await pubsub.SubscribeAsync(
            new TopicSubscription(topic, NoMetadata),
            (message, _) =>
            {
                deliveries.Enqueue(Encoding.UTF8.GetString(message.Data.Span));
                return deliveries.Count == 1 ? throw new OperationCanceledException("handler timed out") : Task.CompletedTask;
            },
            ct);

        await pubsub.PublishAsync(topic, "retry-me"u8.ToArray(), NoMetadata, ct);

        await Eventually.UntilAsync(() => deliveries.Count >= 2, Bound, ct, "the message is redelivered after processingTimeout");
        Assert.Equal(["retry-me", "retry-me"], deliveries.Take(2));
        await Eventually.UntilAsync(() => PendingAsync(topic, group), pending => pending == 0, Bound, ct, "the redelivery is acked");
    }

    [Fact]
    public async Task A_handler_exceeding_processing_timeout_is_cancelled_and_redelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync(FastRedelivery);
        var attempts = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await pubsub.SubscribeAsync(
            new TopicSubscription(topic, NoMetadata),
            async (_, token) =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    // Hangs like a stuck app; only the component's processingTimeout ends it.
                    await Task.Delay(Timeout.Infinite, token);
                }

                done.TrySetResult();
            },
            ct);

        await pubsub.PublishAsync(topic, "slow"u8.ToArray(), NoMetadata, ct);

        await done.Task.WaitAsync(Bound, ct);
        Assert.True(Volatile.Read(ref attempts) >= 2);
    }

    [Fact]
    public async Task Disposing_a_subscription_is_prompt_and_keeps_unacked_messages_pending()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var pubsub = await StartAsync(("consumerID", group));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await pubsub.SubscribeAsync(
            new TopicSubscription(topic, NoMetadata),
            async (_, token) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
            },
            ct);
        await pubsub.PublishAsync(topic, "in-flight"u8.ToArray(), NoMetadata, ct);
        await started.Task.WaitAsync(Bound, ct);

        // Well under the 2 s read block: disposal must not wait it out.
        await subscription.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(1), ct);
        await subscription.DisposeAsync();

        Assert.Equal(1, await PendingAsync(topic, group));
    }

    [Fact]
    public async Task Messages_handled_close_together_are_acked_with_fewer_XACKs_than_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var pubsub = await StartAsync(("consumerID", group));
        const int count = 50;
        await PublishNumberedAsync(pubsub, topic, count, ct);
        var xacksBefore = await XackCallsAsync();
        var received = Channel.CreateUnbounded<PubSubMessage>();

        // A new group replays the stream: the backlog is read at once and handled within the window.
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);
        await ReadTextsAsync(received, count, ct);
        await Eventually.UntilAsync(() => PendingAsync(topic, group), pending => pending == 0, Bound, ct, "every delivery is acked");

        Assert.InRange(await XackCallsAsync() - xacksBefore, 1, count / 2);
    }

    [Fact]
    public async Task Acks_still_gathered_are_sent_when_the_subscription_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        var group = RedisFixture.Unique("group");
        await using var pubsub = await StartAsync(("consumerID", group));
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), (_, _) => { handled.TrySetResult(); return Task.CompletedTask; }, ct);
        await pubsub.PublishAsync(topic, "handled"u8.ToArray(), NoMetadata, ct);
        await handled.Task.WaitAsync(Bound, ct);

        await subscription.DisposeAsync();

        Assert.Equal(0, await PendingAsync(topic, group));
    }

    [Fact]
    public async Task A_deleted_consumer_group_is_recreated()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync();
        var received = Channel.CreateUnbounded<PubSubMessage>();
        await using var subscription = await pubsub.SubscribeAsync(new TopicSubscription(topic, NoMetadata), Collect(received), ct);
        await pubsub.PublishAsync(topic, "before"u8.ToArray(), NoMetadata, ct);
        Assert.Equal(["before"], await ReadTextsAsync(received, 1, ct));

        // As after a restart without persistence: the stream and its group are gone.
        await redis.Database.KeyDeleteAsync(topic);
        await Eventually.UntilAsync(() => GroupCountAsync(topic), groups => groups == 1, Bound, ct, "the reader re-creates the group on NOGROUP");
        await pubsub.PublishAsync(topic, "after"u8.ToArray(), NoMetadata, ct);

        Assert.Equal(["after"], await ReadTextsAsync(received, 1, ct));
    }

    [Fact]
    public async Task Max_len_approx_trims_the_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        await using var pubsub = await StartAsync(("maxLenApprox", "10"));

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => pubsub.PublishAsync(topic, "x"u8.ToArray(), NoMetadata, ct)));

        // "~" trims whole radix-tree nodes (100 entries by default), so the length is only roughly 10.
        var length = await redis.Database.StreamLengthAsync(topic);
        Assert.InRange(length, 10, 200);
    }

    [Fact]
    public async Task Stream_ttl_trims_entries_older_than_the_ttl()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = RedisFixture.Unique("topic");
        for (var i = 1; i <= 250; i++)
        {
            // Ids from 1970: far older than any TTL.
            await redis.Database.StreamAddAsync(topic, "data", "old", messageId: $"1-{i}");
        }

        await using var pubsub = await StartAsync(("streamTTL", "1h"));
        await pubsub.PublishAsync(topic, "new"u8.ToArray(), NoMetadata, ct);

        // MINID ~ drops only whole nodes (100 entries by default) that are entirely expired.
        var length = await redis.Database.StreamLengthAsync(topic);
        Assert.InRange(length, 1, 101);
    }

    [Fact]
    public void Missing_redis_host_is_a_configuration_error()
    {
        var definition = new ComponentDefinition(
            "redis", "pubsub.redis", "v1", new ComponentMetadata([], "components/pubsub.yaml"), [], "components/pubsub.yaml");

        var error = Assert.Throws<ComponentConfigurationException>(() => new RedisPubSub(definition, RedisFixture.Context()));
        Assert.Equal("redisHost", error.Field);
    }

    [Theory]
    [InlineData("concurrency", "0")]
    [InlineData("queueDepth", "many")]
    [InlineData("processingTimeout", "soon")]
    [InlineData("maxLenApprox", "-1")]
    public void Bad_values_are_configuration_errors(string field, string value)
    {
        var error = Assert.Throws<ComponentConfigurationException>(
            () => new RedisPubSub(redis.Component("pubsub.redis", (field, value)), RedisFixture.Context()));
        Assert.Equal(field, error.Field);
    }

    private async Task<RedisPubSub> StartAsync(params (string, string)[] metadata)
    {
        var pubsub = new RedisPubSub(redis.Component("pubsub.redis", metadata), RedisFixture.Context(RedisFixture.Unique("app")));
        await pubsub.InitAsync(TestContext.Current.CancellationToken);
        return pubsub;
    }

    private static MessageHandler Collect(Channel<PubSubMessage> received) =>
        async (message, token) => await received.Writer.WriteAsync(message, token);

    private static async Task<List<string>> PublishNumberedAsync(RedisPubSub pubsub, string topic, int count, CancellationToken ct)
    {
        var sent = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var text = $"m{i:D3}";
            await pubsub.PublishAsync(topic, Encoding.UTF8.GetBytes(text), NoMetadata, ct);
            sent.Add(text);
        }

        return sent;
    }

    private static async Task<List<string>> ReadTextsAsync(Channel<PubSubMessage> received, int count, CancellationToken ct)
    {
        var texts = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var message = await received.Reader.ReadAsync(ct).AsTask().WaitAsync(Bound, ct);
            texts.Add(Encoding.UTF8.GetString(message.Data.Span));
        }

        return texts;
    }

    // XACK commands this test class's redis-server has run (one server per class, tests one at a time).
    private async Task<long> XackCallsAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString + ",allowAdmin=true");
        var info = await admin.GetServers()[0].InfoAsync("commandstats");
        var xack = info.SelectMany(section => section).FirstOrDefault(p => p.Key == "cmdstat_xack").Value;
        return xack is null ? 0 : long.Parse(xack.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> PendingAsync(string topic, string group) =>
        (await redis.Database.StreamPendingAsync(topic, group)).PendingMessageCount;

    private async Task<int> GroupCountAsync(string topic) =>
        await redis.Database.KeyExistsAsync(topic) ? (await redis.Database.StreamGroupInfoAsync(topic)).Length : 0;
}
