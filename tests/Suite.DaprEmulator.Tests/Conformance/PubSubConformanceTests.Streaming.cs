using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Suite.Testing;
using static Dapr.AppCallback.Autogen.Grpc.v1.TopicEventResponse.Types;

namespace Suite.DaprEmulator.Tests.Conformance;

// Streaming subscriptions (SubscribeTopicEventsAlpha1; dapr-streaming-and-bulk.md A) over each
// component, through the generated Dapr.Protos client. The subscriber's sidecar has no app port:
// streams need none.
public abstract partial class PubSubConformanceTests
{
    /// <summary>False for in-memory, which keeps nothing for redelivery once a subscriber is gone.</summary>
    protected virtual bool RedeliversUnacknowledged => true;

    /// <summary>True where the component hands out several messages before the first is acked (Redis' workers).</summary>
    protected virtual bool DeliversConcurrently => false;

    private async Task<Streamer> StartStreamerAsync(CancellationToken ct)
    {
        var resources = Resources("main");
        try
        {
            return new Streamer(resources, await StartAppAsync(resources, "streamer", ct, subscribe: false));
        }
        catch
        {
            resources.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Stream_receives_events_as_topic_event_requests_and_is_listed_as_streaming()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        await using var stream = await app.OpenAsync("orders", ct);

        // In the background: an in-memory publish waits while the subscriber is busy (contract §4.4).
        var publishing = Task.Run(
            async () =>
            {
                for (var n = 0; n < 3; n++)
                {
                    await app.PublishAsync("orders", new { n }, ct);
                }
            },
            ct);

        // An ack for an id the stream never sent is ignored; an ack without a status is SUCCESS.
        await stream.AckAsync("not-sent-on-this-stream", TopicEventResponseStatus.Retry, ct);
        var received = new List<TopicEventRequest>();
        for (var i = 0; i < 3; i++)
        {
            var message = await stream.NextAsync(ct);
            received.Add(message);
            await stream.AckAsync(message.Id, i == 2 ? null : TopicEventResponseStatus.Success, ct);
        }

        await publishing.WaitAsync(Wait, ct);
        // Had any ack counted as RETRY, its event would come back (after 50 ms) before this one.
        await app.PublishAsync("orders", new { n = 99 }, ct);
        var marker = await stream.NextAsync(ct);
        await stream.AckAsync(marker.Id, TopicEventResponseStatus.Success, ct);
        Assert.Equal(99, JsonDocument.Parse(marker.Data.ToStringUtf8()).RootElement.GetProperty("n").GetInt32());
        Assert.Equal([0, 1, 2], received.Select(m => JsonDocument.Parse(m.Data.ToStringUtf8()).RootElement.GetProperty("n").GetInt32()).Order());
        var first = received[0];
        Assert.False(string.IsNullOrEmpty(first.Id));
        Assert.Equal("orders", first.Topic);
        Assert.Equal(SubscriberApp.PubSub, first.PubsubName);
        Assert.Equal("/", first.Path);
        Assert.Equal("com.dapr.event.sent", first.Type);
        Assert.Equal("1.0", first.SpecVersion);
        Assert.Equal("application/json", first.DataContentType);
        Assert.Equal(Prefix + "streamer", first.Source);
        Assert.Matches(TraceParent(), first.Extensions.Fields["traceparent"].StringValue);
        Assert.Equal("orders", first.Extensions.Fields["topic"].StringValue);

        var client = EventStream.Client(app.Sidecar.GrpcEndpoint, out var channel);
        using (channel)
        {
            var metadata = await client.GetMetadataAsync(new GetMetadataRequest(), cancellationToken: ct);
            var listed = Assert.Single(metadata.Subscriptions);
            Assert.Equal(PubsubSubscriptionType.Streaming, listed.Type);
            Assert.Equal("orders", listed.Topic);
            Assert.Equal("/", Assert.Single(listed.Rules.Rules).Path);
        }

        using var http = new HttpClient { BaseAddress = new Uri(app.Sidecar.HttpEndpoint) };
        using var listing = JsonDocument.Parse(await http.GetStringAsync("/v1.0/metadata", ct).WaitAsync(Wait, ct));
        var listedOverHttp = Assert.Single(listing.RootElement.GetProperty("subscriptions").EnumerateArray());
        Assert.Equal("STREAMING", listedOverHttp.GetProperty("type").GetString());
        Assert.Equal("/", Assert.Single(listedOverHttp.GetProperty("rules").EnumerateArray()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Several_events_are_in_flight_at_once_and_acks_match_them_by_id()
    {
        Assert.SkipUnless(DeliversConcurrently, "this component delivers one message at a time per subscription");
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        await using var stream = await app.OpenAsync("orders", ct);

        for (var n = 0; n < 3; n++)
        {
            await app.PublishAsync("orders", new { n }, ct);
        }

        var inFlight = new List<TopicEventRequest>();
        for (var i = 0; i < 3; i++)
        {
            inFlight.Add(await stream.NextAsync(ct));
        }

        // Acked in the opposite order; RETRY on one of them brings back exactly that one.
        await stream.AckAsync(inFlight[2].Id, TopicEventResponseStatus.Success, ct);
        await stream.AckAsync(inFlight[1].Id, TopicEventResponseStatus.Retry, ct);
        await stream.AckAsync(inFlight[0].Id, TopicEventResponseStatus.Success, ct);
        var again = await stream.NextAsync(ct);
        await stream.AckAsync(again.Id, TopicEventResponseStatus.Success, ct);
        Assert.Equal(3, inFlight.Select(m => m.Id).Distinct().Count());
        Assert.Equal(inFlight[1].Id, again.Id);
    }

    [Fact]
    public async Task Retry_ack_sends_the_same_id_again_on_the_same_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        await using var stream = await app.OpenAsync("flaky", ct);

        await app.PublishAsync("flaky", new { n = 1 }, ct);

        var first = await stream.NextAsync(ct);
        await stream.AckAsync(first.Id, TopicEventResponseStatus.Retry, ct);
        var again = await stream.NextAsync(ct);
        await stream.AckAsync(again.Id, TopicEventResponseStatus.Success, ct);
        Assert.Equal(first.Id, again.Id);
    }

    [Fact]
    public async Task Drop_ack_sends_the_event_to_the_dead_letter_topic()
    {
        var (sent, dead) = await DeadLetterOfAsync(
            async (stream, ct) =>
            {
                var message = await stream.NextAsync(ct);
                await stream.AckAsync(message.Id, TopicEventResponseStatus.Drop, ct);
                return [message.Id];
            },
            TestContext.Current.CancellationToken);

        Assert.Equal(sent.Single(), dead.Id);
    }

    [Fact]
    public async Task Event_still_failing_after_the_inbound_retries_goes_to_the_dead_letter_topic()
    {
        // The resiliency policy allows 3 retries: 4 attempts in all, each answered RETRY.
        var (sent, dead) = await DeadLetterOfAsync(
            async (stream, ct) =>
            {
                var attempts = new List<string>();
                for (var i = 0; i < 4; i++)
                {
                    var message = await stream.NextAsync(ct);
                    attempts.Add(message.Id);
                    await stream.AckAsync(message.Id, TopicEventResponseStatus.Retry, ct);
                }

                return attempts;
            },
            TestContext.Current.CancellationToken);

        Assert.Equal(4, sent.Count);
        Assert.Single(sent.Distinct());
        Assert.Equal(sent[0], dead.Id);
    }

    [Fact]
    public async Task Event_in_flight_when_the_stream_closes_is_redelivered_to_a_new_stream()
    {
        Assert.SkipUnless(RedeliversUnacknowledged, "this component keeps nothing for redelivery");
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        string inFlight;
        await using (var stream = await app.OpenAsync("invoices", ct))
        {
            await app.PublishAsync("invoices", new { n = 1 }, ct);
            inFlight = (await stream.NextAsync(ct)).Id;
        }

        // Redis hands the pending entry out again after processingTimeout (2 s here), JetStream after ackWait (2 s).
        await using var next = await app.OpenAsync("invoices", ct);
        var redelivered = await next.NextAsync(ct, TimeSpan.FromSeconds(15));
        await next.AckAsync(redelivered.Id, TopicEventResponseStatus.Success, ct);
        Assert.Equal(inFlight, redelivered.Id);
    }

    [Fact]
    public async Task Raw_payload_stream_gets_the_stored_bytes_in_a_new_envelope()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        await using var stream = await app.OpenAsync("orders", ct, metadata: new Dictionary<string, string> { ["rawPayload"] = "true" });

        await app.PublishAsync("orders", new { n = 7 }, ct);

        var message = await stream.NextAsync(ct);
        await stream.AckAsync(message.Id, TopicEventResponseStatus.Success, ct);
        // The broker holds the publisher's CloudEvent; a raw subscriber gets those bytes, wrapped
        // in an envelope of its own with a fresh id.
        var stored = JsonDocument.Parse(message.Data.ToStringUtf8()).RootElement;
        Assert.Equal("application/octet-stream", message.DataContentType);
        Assert.Equal(7, stored.GetProperty("data").GetProperty("n").GetInt32());
        Assert.NotEqual(stored.GetProperty("id").GetString(), message.Id);
    }

    [Theory]
    [InlineData("processed-first", StatusCode.Unknown, "initial request is required")]
    [InlineData("no-pubsub", StatusCode.Unknown, "pubsubName is required")]
    [InlineData("no-topic", StatusCode.Unknown, "topic is required")]
    [InlineData("unknown-pubsub", StatusCode.InvalidArgument, "pubsub nope is not found")]
    public async Task Stream_without_a_usable_initial_request_fails(string first, StatusCode code, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        var client = EventStream.Client(app.Sidecar.GrpcEndpoint, out var channel);
        using var _ = channel;
        using var call = client.SubscribeTopicEventsAlpha1(cancellationToken: ct);

        var frame = first switch
        {
            "processed-first" => new SubscribeTopicEventsRequestAlpha1 { EventProcessed = new SubscribeTopicEventsRequestProcessedAlpha1 { Id = "x" } },
            "no-pubsub" => Initial("", "orders"),
            "no-topic" => Initial(SubscriberApp.PubSub, ""),
            _ => Initial("nope", "orders"),
        };
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await call.RequestStream.WriteAsync(frame, ct);
            await call.ResponseStream.MoveNext(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
        });

        Assert.Equal(code, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
        if (first == "unknown-pubsub")
        {
            var details = Google.Rpc.Status.Parser.ParseFrom(error.Trailers.GetValueBytes("grpc-status-details-bin"));
            Assert.Equal("DAPR_PUBSUB_NOT_FOUND", details.Details.Single().Unpack<Google.Rpc.ErrorInfo>().Reason);
        }
    }

    [Fact]
    public async Task Second_initial_request_ends_the_stream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartStreamerAsync(ct);
        var client = EventStream.Client(app.Sidecar.GrpcEndpoint, out var channel);
        using var _ = channel;
        using var call = client.SubscribeTopicEventsAlpha1(cancellationToken: ct);

        await call.RequestStream.WriteAsync(Initial(SubscriberApp.PubSub, "orders"), ct);
        Assert.True(await call.ResponseStream.MoveNext(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.NotNull(call.ResponseStream.Current.InitialResponse);
        await call.RequestStream.WriteAsync(Initial(SubscriberApp.PubSub, "orders"), ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct).WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal("duplicate initial request received", error.Status.Detail);
    }

    // Publishes one event to "fragile", streamed with dead-letter topic "poison", lets `answer` ack
    // it (returning the ids it saw), and returns those ids and what reached the dead-letter topic.
    private async Task<(IReadOnlyList<string> Sent, TopicEventRequest Dead)> DeadLetterOfAsync(
        Func<EventStream, CancellationToken, Task<IReadOnlyList<string>>> answer,
        CancellationToken ct)
    {
        await using var app = await StartStreamerAsync(ct);
        await using var deadLetters = await app.OpenAsync("poison", ct);
        await using var stream = await app.OpenAsync("fragile", ct, deadLetterTopic: "poison");

        await app.PublishAsync("fragile", new { n = 1 }, ct);

        var sent = await answer(stream, ct);
        var dead = await deadLetters.NextAsync(ct);
        await deadLetters.AckAsync(dead.Id, TopicEventResponseStatus.Success, ct);
        return (sent, dead);
    }

    // The subscriber's sidecar (no app port: streams need none) and the resources it runs on.
    private sealed class Streamer(ResourcesFolder resources, SubscriberApp app) : IAsyncDisposable
    {
        public Sidecar Sidecar => app.Sidecar;

        public Task<EventStream> OpenAsync(string topic, CancellationToken ct, string deadLetterTopic = "", IReadOnlyDictionary<string, string>? metadata = null) =>
            EventStream.OpenAsync(app.Sidecar.GrpcEndpoint, SubscriberApp.PubSub, topic, ct, deadLetterTopic, metadata);

        public Task PublishAsync<T>(string topic, T data, CancellationToken ct) =>
            app.Dapr.PublishEventAsync(SubscriberApp.PubSub, topic, data, ct).WaitAsync(Wait, ct);

        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            resources.Dispose();
        }
    }

    private static SubscribeTopicEventsRequestAlpha1 Initial(string pubsub, string topic) =>
        new() { InitialRequest = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = pubsub, Topic = topic } };
}
