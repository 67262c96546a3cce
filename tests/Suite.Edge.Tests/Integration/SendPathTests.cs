using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Edge.V1;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// The way a delivered frame reaches the socket: sent by the fan-out thread when the socket is
/// idle, queued for the send loop behind a send in progress. The fan-out thread here is the test's
/// own, calling the dispatcher as the delivery subscriptions do.
/// </summary>
public sealed class SendPathTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly string LargePad = new('x', 32 * 1024);

    private EdgeHost _edge = null!;
    private DeliveryDispatcher _dispatcher = null!;
    private ConnectionRegistry _registry = null!;

    public async ValueTask InitializeAsync()
    {
        // Limits far above what these tests queue: a reader that parses every frame may fall behind
        // four fan-out threads, and that is not what they are about.
        _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken, new Dictionary<string, string>
        {
            ["SendQueue:HighWatermarkBytes"] = "67108864",
            ["SendQueue:HardLimitBytes"] = "134217728",
            ["SendQueue:MaxQueuedFrames"] = "100000",
        });
        _dispatcher = _edge.Services.GetRequiredService<DeliveryDispatcher>();
        _registry = _edge.Services.GetRequiredService<ConnectionRegistry>();
    }

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Frames_arrive_in_order_when_sends_by_the_fan_out_thread_and_by_the_send_loop_mix()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var connection = _registry.Find(alice.ConnectionId!)!;

        // The client reads nothing yet: the first frames go out at once, then the socket's buffers
        // fill and frames queue.
        var sent = FillUntilFramesQueue(connection, "alice", "seq");

        // Frames offered while the queue drains join it; once it is empty they go out at once again.
        var reading = ReadUntilAsync(alice, f => Type(f) == "last", 1, ct);
        await Eventually.UntilAsync(
            () =>
            {
                Deliver("alice", "seq", sent++, "");
                return connection.Queue.QueuedCount == 0;
            },
            Bound,
            ct,
            "the queue drained");
        for (var i = 0; i < 20; i++)
        {
            Deliver("alice", "seq", sent++, "");
        }

        Deliver("alice", "last", 0, "");

        var frames = await reading.WaitAsync(Bound, ct);
        Assert.Equal(Enumerable.Range(0, sent), frames.Where(f => Type(f) == "seq").Select(N));
    }

    [Fact]
    public async Task An_urgent_frame_overtakes_normal_frames_queued_for_a_client_that_stopped_reading()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        var connection = _registry.Find(alice.ConnectionId!)!;

        var normal = FillUntilFramesQueue(connection, "alice", "normal");
        Deliver("alice", "urgent", 0, "", urgent: true);
        // Read after the urgent frame is queued, not before: the socket may take more normal frames in
        // between (the kernel's buffers grow), and those rightly go before it. Every normal frame still
        // queued now was queued when the urgent one came, so at least this many must follow it.
        var queuedBefore = connection.Queue.QueuedCount - 1;

        var frames = await ReadUntilAsync(alice, f => Type(f) is "normal" or "urgent", normal + 1, ct).WaitAsync(Bound, ct);
        var received = frames.Where(f => Type(f) is "normal" or "urgent").ToList();
        var urgentAt = received.FindIndex(f => Type(f) == "urgent");
        Assert.Equal(Enumerable.Range(0, normal), received.Where(f => Type(f) == "normal").Select(N));
        Assert.True(received.Count - 1 - urgentAt >= queuedBefore, $"the urgent frame came {urgentAt}th of {received.Count}, with {queuedBefore} normal frames queued before it");
    }

    [Fact]
    public async Task Fan_out_threads_sending_to_the_same_connections_at_once_never_interleave_frames()
    {
        var ct = TestContext.Current.CancellationToken;
        const int threads = 4;
        const int perThread = 250;
        await using var phone = await _edge.ConnectAsAsync("dana", ct);
        await using var laptop = await _edge.ConnectAsAsync("dana", ct);
        var readers = new[] { phone, laptop }
            .Select(device => ReadUntilAsync(device, f => Type(f) == "part", threads * perThread, ct))
            .ToArray();

        // Every tenth frame is large enough that a write can go pending, so frames queue behind it.
        using var start = new Barrier(threads);
        var fanOuts = Enumerable.Range(0, threads).Select(w => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(ct);
                for (var i = 0; i < perThread; i++)
                {
                    var pad = new string((char)('a' + w), i % 10 == 0 ? 40_000 : 100 + i);
                    Deliver("dana", "part", (w * perThread) + i, pad, devices: 2);
                }
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(fanOuts).WaitAsync(Bound, ct);

        foreach (var reader in readers)
        {
            var parts = (await reader.WaitAsync(Bound, ct)).Where(f => Type(f) == "part").ToList();
            Assert.Equal(threads * perThread, parts.Count);
            for (var w = 0; w < threads; w++)
            {
                var mine = parts.Where(f => N(f) / perThread == w).ToList();
                Assert.Equal(Enumerable.Range(w * perThread, perThread), mine.Select(N));
                Assert.All(mine, f =>
                {
                    var i = N(f) % perThread;
                    Assert.Equal(new string((char)('a' + w), i % 10 == 0 ? 40_000 : 100 + i), f.GetProperty("pad").GetString());
                });
            }
        }
    }

    [Fact]
    public async Task A_batch_events_frames_reach_each_connection_in_order_on_an_idle_socket_and_behind_a_busy_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        await using var bob = await _edge.ConnectAsAsync("bob", ct);
        var connection = _registry.Find(alice.ConnectionId!)!;

        // Alice reads nothing yet, so her frames queue; Bob's socket is idle.
        var sent = FillUntilFramesQueue(connection, "alice", "seq");
        var batch = new EdgeDelivery { EdgeId = _edge.EdgeId };
        for (var i = 0; i < 5; i++)
        {
            batch.Batch.Add(Delivery(["alice", "bob"], "seq", sent + i, "batched"));
        }

        Assert.True(_dispatcher.DispatchPayload(EdgeDeliveryCodec.ToPayload(batch), urgentTopic: false));
        Deliver("alice", "last", 0, "");
        Deliver("bob", "last", 0, "");

        var aliceFrames = await ReadUntilAsync(alice, f => Type(f) == "last", 1, ct).WaitAsync(Bound, ct);
        var bobFrames = await ReadUntilAsync(bob, f => Type(f) == "last", 1, ct).WaitAsync(Bound, ct);
        Assert.Equal(Enumerable.Range(0, sent + 5), aliceFrames.Where(f => Type(f) == "seq").Select(N));
        Assert.Equal(Enumerable.Range(sent, 5), bobFrames.Where(f => Type(f) == "seq").Select(N));
        Assert.Equal("last", Type(aliceFrames[^1]));
        Assert.Equal("last", Type(bobFrames[^1]));
    }

    // Offers frames of 32 KB until some are queued; returns how many were offered.
    private int FillUntilFramesQueue(Connection connection, string userId, string type)
    {
        var deadline = DateTime.UtcNow + Bound;
        var sent = 0;
        while (connection.Queue.QueuedCount < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no frame queued after {sent} frames");
            Deliver(userId, type, sent++, LargePad);
        }

        return sent;
    }

    private void Deliver(string userId, string type, int n, string pad, bool urgent = false, int devices = 1) =>
        Assert.Equal(devices, _dispatcher.Dispatch(Delivery([userId], type, n, pad), urgent));

    private EdgeDelivery Delivery(string[] userIds, string type, int n, string pad) => new()
    {
        EdgeId = _edge.EdgeId,
        Users = new UserIds { Ids = { userIds } },
        Message = new ServerMessage
        {
            Id = $"{type}-{n}-{Guid.NewGuid():N}",
            Type = type,
            Json = $$"""{"type":"{{type}}","n":{{n}},"pad":"{{pad}}"}""",
        },
    };

    // Reads until the frames that <paramref name="counted"/> accepts reach <paramref name="count"/>.
    private static Task<List<JsonElement>> ReadUntilAsync(TestClient client, Func<JsonElement, bool> counted, int count, CancellationToken ct) =>
        Task.Run(async () =>
        {
            var frames = new List<JsonElement>();
            var seen = 0;
            while (seen < count)
            {
                var frame = await client.ReceiveAsync(ct);
                frames.Add(frame);
                seen += counted(frame) ? 1 : 0;
            }

            return frames;
        }, ct);

    private static string? Type(JsonElement frame) => frame.GetProperty("type").GetString();

    private static int N(JsonElement frame) => frame.GetProperty("n").GetInt32();
}
