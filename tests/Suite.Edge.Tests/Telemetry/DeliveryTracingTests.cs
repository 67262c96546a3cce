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
        await using var traced = await TracedEdge.StartAsync(ct, "alice", "bob");
        var (edge, alice, bob) = (traced.Edge, traced.Clients[0], traced.Clients[1]);
        var trace = ActivityTraceId.CreateRandom();
        var publisher = ActivitySpanId.CreateRandom();

        var delivered = edge.Services.GetRequiredService<DeliveryDispatcher>().Dispatch(Delivery(edge.EdgeId, Traceparent(trace, publisher)), urgentTopic: false);
        await alice.ReceiveAsync("note", ct);
        await bob.ReceiveAsync("note", ct);

        Assert.Equal(2, delivered);
        await Eventually.UntilAsync(() => traced.Named(SocketWriteSpans.Name).Count == 2, Bound, ct, "both socket writes ended");
        var deliver = Assert.Single(traced.Named("edge deliver"));
        Assert.Equal((trace, publisher, ActivityKind.Consumer), (deliver.TraceId, deliver.ParentSpanId, deliver.Kind));
        var writes = traced.Named(SocketWriteSpans.Name);
        Assert.All(writes, write => Assert.Equal((trace, deliver.SpanId), (write.TraceId, write.ParentSpanId)));
        Assert.Equal(
            new[] { alice.ConnectionId, bob.ConnectionId }.Order(),
            writes.Select(w => w.GetTagItem("suite.connection.id") as string).Order());
    }

    [Fact]
    public async Task Each_delivery_of_a_batch_event_continues_its_own_publishers_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var traced = await TracedEdge.StartAsync(ct, "alice");
        var (edge, alice) = (traced.Edge, traced.Clients[0]);
        var publishers = new[] { (Trace: ActivityTraceId.CreateRandom(), Span: ActivitySpanId.CreateRandom()), (Trace: ActivityTraceId.CreateRandom(), Span: ActivitySpanId.CreateRandom()) };
        var batch = Batch(edge.EdgeId, publishers.Select(p => Traceparent(p.Trace, p.Span)));

        // Through the sidecar and the streaming subscription, as room and notification publish a batch.
        await edge.PublishRawAsync(urgent: false, EdgeDeliveryCodec.ToPayload(batch), ct);
        await alice.ReceiveAsync("note", ct);
        await alice.ReceiveAsync("note", ct);

        await Eventually.UntilAsync(() => traced.Named("edge deliver").Count == 2, Bound, ct, "both deliveries' spans ended");
        Assert.Equal(publishers, traced.Named("edge deliver").Select(a => (a.TraceId, a.ParentSpanId)));
    }

    [Fact]
    public async Task The_frames_a_batch_event_has_for_one_connection_go_out_in_one_socket_write()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var traced = await TracedEdge.StartAsync(ct, "alice", "bob");
        var edge = traced.Edge;
        var batch = Batch(edge.EdgeId, Enumerable.Range(0, 3).Select(_ => Traceparent()));

        // As a room's user:joined notices of joins committed together reach an edge: one event.
        Assert.True(edge.Services.GetRequiredService<DeliveryDispatcher>().DispatchPayload(EdgeDeliveryCodec.ToPayload(batch), urgentTopic: false));
        foreach (var client in traced.Clients)
        {
            for (var i = 0; i < 3; i++)
            {
                await client.ReceiveAsync("note", ct);
            }
        }

        await Eventually.UntilAsync(() => traced.Named(SocketWriteSpans.Name).Count == 6, Bound, ct, "the six frames' socket write spans ended");
        var writes = traced.Named(SocketWriteSpans.Name);
        Assert.All(writes, write => Assert.Equal(3, write.GetTagItem("suite.frames.batched")));
    }

    [Fact]
    public async Task Without_an_exporter_nothing_listens_to_the_edges_spans_and_a_traced_delivery_is_delivered_as_any()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var alice = await edge.ConnectAsAsync("alice", ct);

        edge.Services.GetRequiredService<DeliveryDispatcher>().Dispatch(Delivery(edge.EdgeId, Traceparent()), urgentTopic: false);
        await alice.ReceiveAsync("note", ct);

        Assert.False(new ActivitySource("Suite.Edge").HasListeners());
    }

    // A W3C traceparent of a sampled span: the publisher's, or a new random one.
    private static string Traceparent(ActivityTraceId trace, ActivitySpanId span) => $"00-{trace}-{span}-01";

    private static string Traceparent() => Traceparent(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());

    // One event carrying a delivery per traceparent, as room and notification batch them.
    private static EdgeDelivery Batch(string edgeId, IEnumerable<string> traceparents)
    {
        var batch = new EdgeDelivery { EdgeId = edgeId };
        batch.Batch.Add(traceparents.Select(t => Delivery(edgeId, t)));
        return batch;
    }

    private static EdgeDelivery Delivery(string edgeId, string traceparent) => new()
    {
        EdgeId = edgeId,
        Users = new UserIds { Ids = { "alice", "bob" } },
        Message = new ServerMessage { Id = Guid.NewGuid().ToString("N"), Type = "note", Json = """{"type":"note"}""" },
        Traceparent = traceparent,
    };

    /// <summary>
    /// An edge whose spans are all recorded, from before it starts, with a client
    /// connected for each of the users named.
    /// </summary>
    private sealed class TracedEdge : IAsyncDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;
        private readonly List<TestClient> _clients = [];
        private EdgeHost? _edge;

        private TracedEdge()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Suite.Edge",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public EdgeHost Edge => _edge!;

        /// <summary>The clients, in the order of the users named.</summary>
        public IReadOnlyList<TestClient> Clients => _clients;

        public static async Task<TracedEdge> StartAsync(CancellationToken ct, params string[] userIds)
        {
            var traced = new TracedEdge();
            try
            {
                traced._edge = await EdgeHost.StartAsync(ct);
                foreach (var userId in userIds)
                {
                    traced._clients.Add(await traced._edge.ConnectAsAsync(userId, ct));
                }

                return traced;
            }
            catch
            {
                await traced.DisposeAsync();
                throw;
            }
        }

        /// <summary>The ended spans named <paramref name="name"/>, in the order they ended.</summary>
        public List<Activity> Named(string name) => [.. _stopped.Where(a => a.DisplayName == name)];

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients)
            {
                await client.DisposeAsync();
            }

            if (_edge is not null)
            {
                await _edge.DisposeAsync();
            }

            _listener.Dispose();
        }
    }
}
