using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Suite.Contracts.Notification.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests.Tracing;

/// <summary>
/// Issue 14's acceptance: one trace follows a message from whoever published it to the socket
/// writes of its recipients, through the suite's processes, its sidecars and the broker.
/// </summary>
public sealed class MessageTracingTests(TracingSuiteFixture suite) : IClassFixture<TracingSuiteFixture>
{
    private const string Edge = "Suite.Edge";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private string U(string name) => $"{name}-{_run}";

    [Fact]
    public async Task A_business_publish_is_traced_through_notification_to_the_socket_write()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ivy = await suite.ConnectAsync(1, U("ivy"), ct);
        await using var business = await RecorderApp.StartAsync("billing", suite.ResourcesPath, [], ct);
        // The business app's own span, as its tracer would put it on the CloudEvent it publishes.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var publisherSpan = ActivitySpanId.CreateRandom().ToHexString();
        var cloudEvent = $$$"""
            {"specversion":"1.0","id":"{{{U("evt")}}}","source":"billing","type":"com.example.invoice","datacontenttype":"application/json",
             "traceparent":"00-{{{traceId}}}-{{{publisherSpan}}}-01",
             "data":{"id":"{{{U("n1")}}}","users":{"ids":["{{{U("ivy")}}}"]},"payload":{"type":"invoice_ready","content":{"invoice":7} } } }
            """;

        await business.Dapr.PublishByteEventAsync("pubsub", "notifications", Encoding.UTF8.GetBytes(cloudEvent), "application/cloudevents+json", cancellationToken: ct);
        await ivy.ReceiveAsync("invoice_ready", ct);

        var chain = await ChainAsync(s => s.Name == "ws send" && s["suite.connection.id"] == ivy.ConnectionId && s.TraceId == traceId, publisherSpan, ct);
        Assert.Equal(
            [(Edge, "ws send"), (Edge, "edge deliver"), ("Suite.Notification", "notification.publish")],
            chain.Take(3).Select(s => (s.Service, s.Name)));
        // The notification app's request from its sidecar continues the CloudEvent's traceparent.
        Assert.Equal("Suite.Notification", chain[^1].Service);
    }

    [Fact]
    public async Task A_business_publish_over_grpc_is_traced_through_notification_to_the_socket_write()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ivy = await suite.ConnectAsync(0, U("ivy"), ct);
        using var channel = GrpcChannel.ForAddress(suite.Suite.Notification.GrpcAddress);
        var notification = new NotificationService.NotificationServiceClient(channel);
        // The business app's own span, as its gRPC client instrumentation would send it.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var publisherSpan = ActivitySpanId.CreateRandom().ToHexString();

        await notification.PublishAsync(
            new NotificationEvent
            {
                Id = U("g1"),
                Users = new UserIds { Ids = { U("ivy") } },
                Payload = new Payload { Type = "invoice_ready", Content = Google.Protobuf.WellKnownTypes.Value.ForNumber(7) },
            },
            new Metadata { { "traceparent", $"00-{traceId}-{publisherSpan}-01" } },
            deadline: DateTime.UtcNow.AddSeconds(20),
            cancellationToken: ct);
        await ivy.ReceiveAsync("invoice_ready", ct);

        var chain = await ChainAsync(s => s.Name == "ws send" && s["suite.connection.id"] == ivy.ConnectionId && s.TraceId == traceId, publisherSpan, ct);
        Assert.Equal(
            [(Edge, "ws send"), (Edge, "edge deliver"), ("Suite.Notification", "notification.publish")],
            chain.Take(3).Select(s => (s.Service, s.Name)));
        // The notification app's gRPC request continues the caller's traceparent header.
        Assert.Equal("Suite.Notification", chain[^1].Service);
    }

    [Fact]
    public async Task A_room_message_is_traced_from_the_senders_frame_to_each_recipients_socket_write_on_both_edges()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("room");
        await using var alice = await suite.ConnectAsync(0, U("alice"), ct);
        await using var bob = await suite.ConnectAsync(0, U("bob"), ct);
        await using var carol = await suite.ConnectAsync(1, U("carol"), ct);
        try
        {
            foreach (var client in new[] { alice, bob, carol })
            {
                await client.SendAsync(new { type = "join", roomId = room }, ct);
                await client.ReceiveAsync("joined", ct);
            }
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"join not answered; room and edges said:\n{string.Join("\n", new[] { suite.Suite.Room }.Concat(suite.Suite.Edges).Select(s => s.Output))}", ex);
        }

        await alice.SendAsync(new { type = "message", roomId = room, content = "traced" }, ct);
        foreach (var member in new[] { bob, carol })
        {
            await member.ReceiveAsync("message", ct);
        }

        var command = await Eventually.UntilAsync(
            () => Task.FromResult(suite.Receiver.Spans.FirstOrDefault(s => s.Name == "ws message" && s["suite.connection.id"] == alice.ConnectionId)),
            found => found is not null,
            Wait,
            ct,
            "the sender's command span is exported");
        Assert.Equal((Edge, room), (command!.Service, command["suite.room.id"]));

        foreach (var recipient in new[] { bob, carol })
        {
            var chain = await ChainAsync(s => s.Name == "ws send" && s["suite.connection.id"] == recipient.ConnectionId && s.TraceId == command.TraceId, command.SpanId, ct);
            Assert.Equal([(Edge, "ws send"), (Edge, "edge deliver")], chain.Take(2).Select(s => (s.Service, s.Name)));
            Assert.Contains(chain, s => s.Service == "Suite.Room" && s.Name == "suite.room.v1.RoomService/PublishToRoom");
            Assert.Equal(command.SpanId, chain[^1].ParentSpanId);
        }
    }

    /// <summary>
    /// Waits for a span <paramref name="leaf"/> picks and for every span between it and the span
    /// <paramref name="rootSpanId"/> (exported or not, like the business publisher's), and returns
    /// them from the leaf up to the root's child.
    /// </summary>
    private async Task<IReadOnlyList<ReceivedSpan>> ChainAsync(Func<ReceivedSpan, bool> leaf, string rootSpanId, CancellationToken ct)
    {
        IReadOnlyList<ReceivedSpan>? found = null;
        await Eventually.UntilAsync(
            () =>
            {
                var spans = suite.Receiver.Spans;
                found = spans.FirstOrDefault(leaf) is { } start ? Walk(spans, start, rootSpanId) : null;
                return found is not null;
            },
            Wait,
            ct,
            $"a chain of exported spans from the socket write up to span {rootSpanId}; spans exported when the wait began: {string.Join(", ", suite.Receiver.Spans.Select(s => $"{s.Service}:{s.Name}"))}");
        return found!;
    }

    private static List<ReceivedSpan>? Walk(IReadOnlyList<ReceivedSpan> spans, ReceivedSpan start, string rootSpanId)
    {
        var chain = new List<ReceivedSpan> { start };
        var current = start;
        while (current.ParentSpanId != rootSpanId)
        {
            var parent = spans.FirstOrDefault(s => s.TraceId == current.TraceId && s.SpanId == current.ParentSpanId);
            if (parent is null || chain.Count > 50)
            {
                return null;
            }

            chain.Add(parent);
            current = parent;
        }

        return chain;
    }
}
