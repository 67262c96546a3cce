using System.Text.RegularExpressions;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>
/// What every pub/sub component must do behind the emulator, driven only through the Dapr SDK.
/// Each broker runs the same tests through a subclass that supplies its component YAML.
/// </summary>
public abstract partial class PubSubConformanceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    /// <summary>The <c>pubsub</c> component for apps in consumer group <paramref name="group"/>.</summary>
    protected abstract string PubSubYaml(string group);

    /// <summary>False for in-memory, which never crosses sidecars.</summary>
    protected virtual bool CrossesSidecars => true;

    /// <summary>Topic names unique to one test, so tests sharing a broker never see each other's messages.</summary>
    protected string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..8];

    private ResourcesFolder Resources(string group) =>
        new(("pubsub.yaml", PubSubYaml(group)), ("resiliency.yaml", ResourcesFolder.Resiliency));

    private Task<SubscriberApp> StartAppAsync(ResourcesFolder resources, string appId, CancellationToken ct, string? name = null, bool subscribe = true) =>
        SubscriberApp.StartAsync(Prefix + appId, resources.Path, ct, name, subscribe);

    [Fact]
    public async Task Published_event_reaches_the_subscriber_as_a_CloudEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "orders", new { orderId = 42 }, ct);

        var received = await WaitForAsync(app, "orders", 1, ct);
        var cloudEvent = received[0].CloudEvent;
        Assert.False(string.IsNullOrEmpty(received[0].Id));
        Assert.Equal(Prefix + "app", cloudEvent.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", cloudEvent.GetProperty("type").GetString());
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
        Assert.Equal("orders", cloudEvent.GetProperty("topic").GetString());
        Assert.Equal(SubscriberApp.PubSub, cloudEvent.GetProperty("pubsubname").GetString());
        Assert.Matches(TraceParent(), cloudEvent.GetProperty("traceparent").GetString());
        Assert.Equal(42, cloudEvent.GetProperty("data").GetProperty("orderId").GetInt32());
    }

    [Fact]
    public async Task Topic_attribute_subscription_receives_its_topic()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "invoices", new { invoice = "A-1" }, ct);

        var received = await WaitForAsync(app, "invoices", 1, ct);
        Assert.Equal("A-1", received[0].CloudEvent.GetProperty("data").GetProperty("invoice").GetString());
    }

    [Fact]
    public async Task Bulk_publish_delivers_every_entry()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        var response = await app.Dapr.BulkPublishEventAsync(SubscriberApp.PubSub, "orders", Enumerable.Range(0, 20).Select(n => new { n }).ToList(), cancellationToken: ct);

        Assert.Empty(response.FailedEntries);
        var received = await WaitForAsync(app, "orders", 20, ct);
        Assert.Equal(Enumerable.Range(0, 20), received.Select(e => e.CloudEvent.GetProperty("data").GetProperty("n").GetInt32()).Order());
    }

    [Fact]
    public async Task Retry_status_is_retried_under_the_inbound_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "flaky", new { mode = "retry:2" }, ct);

        var received = await WaitForAsync(app, "flaky", 1, ct);
        Assert.Equal(3, app.Events.AttemptsOf(received[0].Id));
    }

    [Fact]
    public async Task Drop_status_is_not_retried()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "flaky", new { mode = "drop" }, ct);
        // A later message that needs every retry the policy allows: once it is through, a retried
        // drop would have been retried too.
        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "flaky", new { mode = "retry:3" }, ct);
        var marker = await WaitForAsync(app, "flaky", 1, ct);

        var dropAttempts = await Eventually.UntilAsync(
            () => Task.FromResult(app.Events.AttemptCounts.Where(a => a.Key != marker[0].Id).Select(a => a.Value).ToList()),
            counts => counts.Count == 1,
            Wait,
            ct);
        Assert.Equal([1], dropAttempts);
        Assert.Empty(app.Events.On("poison"));
    }

    [Fact]
    public async Task Handler_that_keeps_failing_ends_in_the_dead_letter_topic()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "fragile", new { mode = "fail" }, ct);

        var dead = await WaitForAsync(app, "poison", 1, ct);
        Assert.Equal("fail", dead[0].CloudEvent.GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal(4, app.Events.AttemptsOf(dead[0].Id));
        Assert.Empty(app.Events.On("fragile"));
    }

    [Fact]
    public async Task Drop_status_on_a_subscription_with_a_dead_letter_topic_is_dead_lettered_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await StartAppAsync(resources, "app", ct);

        await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "fragile", new { mode = "drop" }, ct);

        var dead = await WaitForAsync(app, "poison", 1, ct);
        Assert.Equal("drop", dead[0].CloudEvent.GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal(1, app.Events.AttemptsOf(dead[0].Id));
    }

    [Fact]
    public async Task Events_for_an_app_that_is_down_end_in_the_dead_letter_topic_after_the_inbound_retries()
    {
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("main");
        await using var app = await SubscriberApp.StartAsync(Prefix + "app", resources.Path, ct, subscribePoison: false);
        // The dead letters are read on the app's own sidecar, which stays up while the app is gone.
        await using var deadLetters = await EventStream.OpenAsync(app.Sidecar.GrpcEndpoint, SubscriberApp.PubSub, "poison", ct);
        await app.StopAppAsync();

        for (var n = 0; n < 3; n++)
        {
            await app.Dapr.PublishEventAsync(SubscriberApp.PubSub, "fragile", new { mode = "ok", n }, ct);
        }

        var dead = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var letter = await deadLetters.NextAsync(ct);
            await deadLetters.AckAsync(letter.Id, Dapr.AppCallback.Autogen.Grpc.v1.TopicEventResponse.Types.TopicEventResponseStatus.Success, ct);
            using var data = System.Text.Json.JsonDocument.Parse(letter.Data.ToStringUtf8());
            Assert.Equal("poison", letter.Topic);
            dead.Add(data.RootElement.GetProperty("n").GetInt32());
        }

        Assert.Equal([0, 1, 2], dead.Order());
        Assert.Empty(app.Events.On("fragile"));
    }

    [Fact]
    public async Task Replicas_in_one_consumer_group_share_the_messages()
    {
        Assert.SkipUnless(CrossesSidecars, "this component never crosses sidecars");
        var ct = TestContext.Current.CancellationToken;
        using var shared = Resources("workers");
        using var publisherResources = Resources("publisher");
        await using var first = await StartAppAsync(shared, "workers", ct, "first");
        await using var second = await StartAppAsync(shared, "workers", ct, "second");
        await using var publisher = await StartAppAsync(publisherResources, "publisher", ct, subscribe: false);

        const int count = 40;
        for (var i = 0; i < count; i++)
        {
            await publisher.Dapr.PublishEventAsync(SubscriberApp.PubSub, "orders", new { n = i }, ct);
        }

        await Eventually.UntilAsync(() => first.Events.On("orders").Count + second.Events.On("orders").Count >= count, Wait, ct, "all messages delivered");
        var all = first.Events.On("orders").Concat(second.Events.On("orders")).ToList();
        Assert.Equal(count, all.Count);
        Assert.Equal(count, all.Select(e => e.Id).Distinct().Count());
        Assert.NotEmpty(first.Events.On("orders"));
        Assert.NotEmpty(second.Events.On("orders"));
    }

    [Fact]
    public async Task Apps_in_different_consumer_groups_each_get_every_message()
    {
        Assert.SkipUnless(CrossesSidecars, "this component never crosses sidecars");
        var ct = TestContext.Current.CancellationToken;
        using var billingResources = Resources("billing");
        using var auditResources = Resources("audit");
        using var publisherResources = Resources("publisher");
        await using var billing = await StartAppAsync(billingResources, "billing", ct);
        await using var audit = await StartAppAsync(auditResources, "audit", ct);
        await using var publisher = await StartAppAsync(publisherResources, "publisher", ct, subscribe: false);

        for (var i = 0; i < 10; i++)
        {
            await publisher.Dapr.PublishEventAsync(SubscriberApp.PubSub, "orders", new { n = i }, ct);
        }

        var billed = await WaitForAsync(billing, "orders", 10, ct);
        var audited = await WaitForAsync(audit, "orders", 10, ct);
        Assert.Equal(billed.Select(e => e.Id).Order(), audited.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task Messages_published_while_the_app_was_down_arrive_when_it_returns()
    {
        Assert.SkipUnless(CrossesSidecars, "this component never crosses sidecars");
        var ct = TestContext.Current.CancellationToken;
        using var resources = Resources("resumer");
        using var publisherResources = Resources("publisher");
        await using var publisher = await StartAppAsync(publisherResources, "publisher", ct, subscribe: false);
        await (await StartAppAsync(resources, "resumer", ct)).DisposeAsync();

        for (var i = 0; i < 5; i++)
        {
            await publisher.Dapr.PublishEventAsync(SubscriberApp.PubSub, "orders", new { n = i }, ct);
        }

        await using var back = await StartAppAsync(resources, "resumer", ct);
        var received = await WaitForAsync(back, "orders", 5, ct);
        Assert.Equal([0, 1, 2, 3, 4], received.Select(e => e.CloudEvent.GetProperty("data").GetProperty("n").GetInt32()).Order());
    }

    private static async Task<IReadOnlyList<ReceivedEvent>> WaitForAsync(SubscriberApp app, string route, int count, CancellationToken ct) =>
        await Eventually.UntilAsync(() => Task.FromResult(app.Events.On(route)), events => events.Count >= count, Wait, ct, $"{count} events on {route} for {app.Name}");

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex TraceParent();
}
