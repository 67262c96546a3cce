using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;

namespace Suite.Edge.Tests.Connections;

/// <summary>
/// The send pump runs only while something is queued or the close is due: a quiet connection holds
/// no send loop, frames that queue behind a write still go out after it in order, and the close
/// follows them, over a real loopback socket.
/// </summary>
public sealed class SendPumpTests : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private const int LargerThanSocketBuffers = LoopbackSocketPair.LargerThanSocketBuffers;

    private readonly LoopbackSocketPair _sockets = new();
    private readonly Meter _meter = new("send-pump-tests");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly WebSocket _socket;
    private readonly Connection _connection;

    public SendPumpTests()
    {
        var transport = new WebSocketTransport(new Pipe().Reader, new Pipe().Writer, DateTimeOffset.UnixEpoch, _sockets.Server);
        _socket = WebSocket.CreateFromStream(transport, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        _connection = new Connection("c1", _socket, new SendQueue(new SendQueueOptions(), _time), new ConnectionOptions(), DateTimeOffset.UnixEpoch, transport);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sockets.Dispose();
        _meter.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public void A_quiet_connection_holds_no_send_loop_task()
    {
        var pump = SendPump.Start(_connection, Counters());

        // A send loop awaiting the queue would still be running here, for the connection's whole life.
        Assert.True(pump.IsCompletedSuccessfully, "nothing queued: the pump's drain returned instead of waiting");
        Assert.False(_connection.WhenSendsFinished().IsCompleted, "the connection is open: its close is still to be sent");
    }

    [Fact]
    public async Task Frames_queued_behind_a_pending_write_wake_the_pump_which_sends_them_in_order_then_the_close_and_goes_quiet()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True(SendPump.Start(_connection, Counters()).IsCompletedSuccessfully);
        var large = new OutboundFrame(new byte[LargerThanSocketBuffers], "t");
        var small = new OutboundFrame("after"u8.ToArray(), "t");

        // The first is written by its sender and stays pending; the second queues behind it.
        Assert.Equal(EnqueueOutcome.Accepted, _connection.Send(large));
        Assert.Equal(EnqueueOutcome.Accepted, _connection.Send(small));
        Assert.Equal(1, _connection.Queue.QueuedCount);
        Assert.True(_connection.RequestClose(new CloseRequest(4000, "bye", Flush: true)));
        var finished = _connection.WhenSendsFinished();

        byte[] close = [0x88, 5, 0x0F, 0xA0, .. "bye"u8];
        var expected = large.Wire.Length + small.Wire.Length + close.Length;
        var received = await ReadExactlyAsync(expected, ct);
        await finished.WaitAsync(Bound, ct);

        Assert.True(received.AsSpan(0, large.Wire.Length).SequenceEqual(large.Wire.Span), "the pending write arrived whole and first");
        Assert.True(received.AsSpan(large.Wire.Length, small.Wire.Length).SequenceEqual(small.Wire.Span), "the queued frame followed it");
        Assert.Equal(close, received[^close.Length..]);
        Assert.Equal(0, _connection.Queue.QueuedCount);
    }

    [Fact]
    public async Task A_frame_that_expires_while_queued_is_skipped_and_counted_as_dropped_expired()
    {
        var ct = TestContext.Current.CancellationToken;
        var dropped = new List<(long Frames, string? Reason)>();
        using var listener = new MeterListener { InstrumentPublished = (i, l) => { if (i.Meter == _meter && i.Name == "dropped") { l.EnableMeasurementEvents(i); } } };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => { lock (dropped) { dropped.Add((value, tags.ToArray().SingleOrDefault(t => t.Key == "reason").Value as string)); } });
        listener.Start();
        Assert.True(SendPump.Start(_connection, Counters()).IsCompletedSuccessfully);
        var large = new OutboundFrame(new byte[LargerThanSocketBuffers], "t");
        var shortLived = new OutboundFrame("stale"u8.ToArray(), "t", ExpiresAt: _time.GetUtcNow().AddSeconds(1));
        var after = new OutboundFrame("after"u8.ToArray(), "t");

        // The first is written by its sender and stays pending; the other two queue behind it, and
        // the short-lived one runs out before the socket takes the first.
        Assert.Equal(EnqueueOutcome.Accepted, _connection.Send(large));
        Assert.Equal(EnqueueOutcome.Accepted, _connection.Send(shortLived));
        Assert.Equal(EnqueueOutcome.Accepted, _connection.Send(after));
        _time.Advance(TimeSpan.FromSeconds(2));

        var received = await ReadExactlyAsync(large.Wire.Length + after.Wire.Length, ct);

        Assert.True(received.AsSpan(large.Wire.Length).SequenceEqual(after.Wire.Span), "the frame behind the expired one followed the first");
        lock (dropped)
        {
            Assert.Equal([(1L, "Expired")], dropped);
        }
    }

    private SendCounters Counters() => new(_meter.CreateCounter<long>("sent"), _meter.CreateCounter<long>("dropped"));

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
