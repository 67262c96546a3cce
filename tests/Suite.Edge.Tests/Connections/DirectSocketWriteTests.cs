using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;

namespace Suite.Edge.Tests.Connections;

/// <summary>
/// The transport writes straight to a real loopback socket: what the socket takes now is sent on
/// the caller's thread, the rest in the background, and every later write, ping or batch waits
/// behind it, so the client reads whole frames in the order they were written and nothing is lost.
/// </summary>
public sealed class DirectSocketWriteTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private const int LargerThanSocketBuffers = LoopbackSocketPair.LargerThanSocketBuffers;

    private readonly LoopbackSocketPair _sockets = new();

    public ValueTask DisposeAsync()
    {
        _sockets.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_small_frame_is_sent_before_the_call_returns()
    {
        var ct = TestContext.Current.CancellationToken;
        using var transport = Transport(DateTimeOffset.UnixEpoch);
        var frame = WebSocketFrames.Text("hello"u8);

        var write = transport.WriteFrameAsync(frame);

        Assert.True(write.IsCompletedSuccessfully);
        Assert.Equal(frame, await ReadExactlyAsync(frame.Length, ct));
    }

    [Fact]
    public async Task Writes_behind_one_the_socket_cannot_take_yet_wait_for_it_and_arrive_after_it_whole()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = DateTimeOffset.UnixEpoch;
        var interval = TimeSpan.FromSeconds(30);
        using var transport = Transport(start);
        var large = Pattern(LargerThanSocketBuffers);
        var small = WebSocketFrames.Text("after"u8);

        var first = transport.WriteFrameAsync(large).AsTask();
        var second = transport.WriteFrameAsync(small).AsTask();

        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        // A ping now would land inside the pending write: it waits for a later sweep instead.
        Assert.Equal(HeartbeatOutcome.None, transport.Heartbeat(start + interval, interval, TimeSpan.FromSeconds(10)));

        var received = await ReadExactlyAsync(large.Length + small.Length, ct);
        await Task.WhenAll(first, second).WaitAsync(Bound, ct);
        Assert.True(received.AsSpan(0, large.Length).SequenceEqual(large), "the large write arrived whole and first");
        Assert.Equal(small, received[large.Length..]);

        // Idle again: the ping goes out now, alone.
        Assert.Equal(HeartbeatOutcome.Pinged, transport.Heartbeat(start + interval + TimeSpan.FromSeconds(1), interval, TimeSpan.FromSeconds(10)));
        Assert.Equal(new byte[] { 0x89, 0x00 }, await ReadExactlyAsync(2, ct));
    }

    [Fact]
    public async Task A_write_pending_when_the_client_goes_away_fails_and_so_does_the_one_behind_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var transport = Transport(DateTimeOffset.UnixEpoch);

        var first = transport.WriteFrameAsync(Pattern(LargerThanSocketBuffers)).AsTask();
        var second = transport.WriteFrameAsync(WebSocketFrames.Text("lost"u8)).AsTask();
        Assert.False(first.IsCompleted);

        // An abortive close (RST), as a client that vanished with unread data.
        _sockets.Client.LingerState = new LingerOption(true, 0);
        _sockets.Client.Close();

        await Assert.ThrowsAsync<IOException>(() => first.WaitAsync(Bound, ct));
        await Assert.ThrowsAsync<IOException>(() => second.WaitAsync(Bound, ct));
    }

    [Fact]
    public async Task The_send_loop_writes_the_frames_queued_behind_the_one_it_took_in_one_write_in_queue_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var transport = Transport(DateTimeOffset.UnixEpoch);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var queue = new SendQueue(new SendQueueOptions(), TimeProvider.System);
        var connection = new Connection("c1", socket, queue, new ConnectionOptions(), DateTimeOffset.UnixEpoch, transport);
        string[] texts = ["normal 1", "normal 2", "urgent", "normal 3"];
        foreach (var text in texts)
        {
            Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(new OutboundFrame(Encoding.UTF8.GetBytes(text), "t", Urgent: text == "urgent")));
        }

        var first = await queue.ReadAsync(ct);
        Assert.Equal(texts.Length, await connection.WriteQueuedAsync(first!));

        Assert.Equal(0, queue.QueuedCount);
        byte[][] expected = [.. new[] { "urgent", "normal 1", "normal 2", "normal 3" }.Select(t => WebSocketFrames.Text(Encoding.UTF8.GetBytes(t)))];
        Assert.Equal(expected.SelectMany(f => f).ToArray(), await ReadExactlyAsync(expected.Sum(f => f.Length), ct));
    }

    [Fact]
    public async Task A_frame_sent_with_no_write_now_queues_for_the_send_loop_even_for_an_idle_socket_and_the_next_one_goes_behind_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var transport = Transport(DateTimeOffset.UnixEpoch);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var queue = new SendQueue(new SendQueueOptions(), TimeProvider.System);
        var connection = new Connection("c1", socket, queue, new ConnectionOptions(), DateTimeOffset.UnixEpoch, transport);
        using var meter = new Meter("test");
        connection.EnableDirectSends(new SendCounters(meter.CreateCounter<long>("sent"), meter.CreateCounter<long>("dropped")));
        var reading = queue.ReadAsync(ct);

        Assert.Equal(EnqueueOutcome.Accepted, connection.Send(new OutboundFrame("deferred"u8.ToArray(), "t"), mayWriteNow: false));
        Assert.Equal(EnqueueOutcome.Accepted, connection.Send(new OutboundFrame("behind"u8.ToArray(), "t")));

        // Nothing reached the socket: both wait for the send loop, which was woken for the first.
        Assert.Equal(0, _sockets.Client.Available);
        var first = await reading.AsTask().WaitAsync(Bound, ct);
        Assert.Equal(2, await connection.WriteQueuedAsync(first!));
        byte[] expected = [.. WebSocketFrames.Text("deferred"u8), .. WebSocketFrames.Text("behind"u8)];
        Assert.Equal(expected, await ReadExactlyAsync(expected.Length, ct));
    }

    [Fact]
    public void A_batch_whose_first_frame_overflows_the_queue_closes_the_connection_with_1013_and_reports_every_refusal()
    {
        var transport = Transport(DateTimeOffset.UnixEpoch);
        using var socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var queue = new SendQueue(new SendQueueOptions { MaxQueuedFrames = 1 }, TimeProvider.System);
        var connection = new Connection("c1", socket, queue, new ConnectionOptions(), DateTimeOffset.UnixEpoch, transport);
        using var meter = new Meter("test");
        connection.EnableDirectSends(new SendCounters(meter.CreateCounter<long>("sent"), meter.CreateCounter<long>("dropped")));
        // The send loop has not taken this one yet: the batch's first frame finds the queue full.
        Assert.Equal(EnqueueOutcome.Accepted, queue.TryEnqueue(new OutboundFrame("queued"u8.ToArray(), "t")));

        var refused = connection.SendAll([new OutboundFrame("first"u8.ToArray(), "t"), new OutboundFrame("second"u8.ToArray(), "t")]);

        Assert.Equal([EnqueueOutcome.Overflow, EnqueueOutcome.Closed], refused);
        Assert.Equal(CloseCodes.TryAgainLater, connection.Close?.Code);
        Assert.Equal(ConnectionState.Closing, connection.State);
    }

    private WebSocketTransport Transport(DateTimeOffset now) => new(new Pipe().Reader, new Pipe().Writer, now, _sockets.Server);

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }

        return bytes;
    }

    private async Task<byte[]> ReadExactlyAsync(int length, CancellationToken ct)
    {
        var buffer = new byte[length];
        var read = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Bound);
        while (read < length)
        {
            var n = await _sockets.Client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }
}
