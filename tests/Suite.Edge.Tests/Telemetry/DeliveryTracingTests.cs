using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Delivery;
using Suite.Edge.Tests.Integration;
using Suite.Testing;

namespace Suite.Edge.Tests.Telemetry;

/// <summary>
/// A delivery continues the trace its publisher stamped on it, and each recipient's socket write is
/// a span under it. Listeners are process-wide, so this runs in the tracing collection, alone.
/// </summary>
[Collection(nameof(TracingTests))]
public sealed class DeliveryTracingTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_delivery_continues_its_publishers_trace_down_to_each_recipients_socket_write()
    {
        var ct = TestContext.Current.CancellationToken;
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Suite.Edge",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        await using var bob = await edge.ConnectAsAsync("bob", ct);
        var trace = ActivityTraceId.CreateRandom();
        var publisher = ActivitySpanId.CreateRandom();

        var delivered = edge.Services.GetRequiredService<DeliveryDispatcher>().Dispatch(Delivery(edge.EdgeId, $"00-{trace}-{publisher}-01"), urgentTopic: false);
        await alice.ReceiveAsync("note", ct);
        await bob.ReceiveAsync("note", ct);

        Assert.Equal(2, delivered);
        await Eventually.UntilAsync(() => stopped.Count(a => a.DisplayName == SocketWriteSpans.Name) == 2, Bound, ct, "both socket writes ended");
        var deliver = Assert.Single(stopped, a => a.DisplayName == "edge deliver");
        Assert.Equal((trace, publisher, ActivityKind.Consumer), (deliver.TraceId, deliver.ParentSpanId, deliver.Kind));
        var writes = stopped.Where(a => a.DisplayName == SocketWriteSpans.Name).ToList();
        Assert.All(writes, write => Assert.Equal((trace, deliver.SpanId), (write.TraceId, write.ParentSpanId)));
        Assert.Equal(
            new[] { alice.ConnectionId, bob.ConnectionId }.Order(),
            writes.Select(w => w.GetTagItem("suite.connection.id") as string).Order());
    }

    [Fact]
    public async Task Each_delivery_of_a_batch_event_continues_its_own_publishers_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Suite.Edge",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        var publishers = new[] { (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom()), (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom()) };
        var batch = new EdgeDelivery { EdgeId = edge.EdgeId };
        foreach (var (trace, span) in publishers)
        {
            batch.Batch.Add(Delivery(edge.EdgeId, $"00-{trace}-{span}-01"));
        }

        // Through the sidecar and the streaming subscription, as room and notification publish a batch.
        await edge.PublishRawAsync(urgent: false, EdgeDeliveryCodec.ToPayload(batch), ct);
        await alice.ReceiveAsync("note", ct);
        await alice.ReceiveAsync("note", ct);

        await Eventually.UntilAsync(() => stopped.Count(a => a.DisplayName == "edge deliver") == 2, Bound, ct, "both deliveries' spans ended");
        Assert.Equal(publishers, stopped.Where(a => a.DisplayName == "edge deliver").Select(a => (a.TraceId, a.ParentSpanId)));
    }

    [Fact]
    public async Task The_frames_a_batch_event_has_for_one_connection_go_out_in_one_socket_write()
    {
        var ct = TestContext.Current.CancellationToken;
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Suite.Edge",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        await using var bob = await edge.ConnectAsAsync("bob", ct);
        var batch = new EdgeDelivery { EdgeId = edge.EdgeId };
        for (var i = 0; i < 3; i++)
        {
            batch.Batch.Add(Delivery(edge.EdgeId, $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01"));
        }

        // As a room's user:joined notices of joins committed together reach an edge: one event.
        Assert.True(edge.Services.GetRequiredService<DeliveryDispatcher>().DispatchPayload(EdgeDeliveryCodec.ToPayload(batch), urgentTopic: false));
        foreach (var client in new[] { alice, bob })
        {
            for (var i = 0; i < 3; i++)
            {
                await client.ReceiveAsync("note", ct);
            }
        }

        await Eventually.UntilAsync(() => stopped.Count(a => a.DisplayName == SocketWriteSpans.Name) == 6, Bound, ct, "the six frames' socket write spans ended");
        var writes = stopped.Where(a => a.DisplayName == SocketWriteSpans.Name).ToList();
        Assert.All(writes, write => Assert.Equal(3, write.GetTagItem("suite.frames.batched")));
    }

    [Fact]
    public async Task Without_an_exporter_nothing_listens_to_the_edges_spans_and_a_traced_delivery_is_delivered_as_any()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var alice = await edge.ConnectAsAsync("alice", ct);

        edge.Services.GetRequiredService<DeliveryDispatcher>().Dispatch(Delivery(edge.EdgeId, $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01"), urgentTopic: false);
        await alice.ReceiveAsync("note", ct);

        Assert.False(new ActivitySource("Suite.Edge").HasListeners());
    }

    private static EdgeDelivery Delivery(string edgeId, string traceparent) => new()
    {
        EdgeId = edgeId,
        Users = new UserIds { Ids = { "alice", "bob" } },
        Message = new ServerMessage { Id = Guid.NewGuid().ToString("N"), Type = "note", Json = """{"type":"note"}""" },
        Traceparent = traceparent,
    };
}
