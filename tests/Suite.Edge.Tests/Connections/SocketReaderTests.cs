using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Connections;

/// <summary>The edge's own listener reads a client straight from its socket: a pipe reader's contract over real loopback sockets.</summary>
public sealed class SocketReaderTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly LoopbackSocketPair _sockets = new();
    private readonly SocketReader _reader;

    public SocketReaderTests()
    {
        // As the transport leaves it: sends that never block.
        _sockets.Server.Blocking = false;
        _reader = new SocketReader(_sockets.Server);
    }

    public void Dispose() => _sockets.Dispose();

    [Fact]
    public async Task Bytes_examined_but_not_consumed_come_back_with_the_next_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        _sockets.Client.Send("head"u8);
        var first = await _reader.ReadAsync(ct).AsTask().WaitAsync(Wait, ct);
        Assert.Equal("head", Text(first.Buffer));

        // Nothing taken, all looked at: the next read must wait for more, not return the same bytes.
        _reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        var next = _reader.ReadAsync(ct).AsTask();
        Assert.False(next.IsCompleted);
        _sockets.Client.Send("er"u8);
        var second = await next.WaitAsync(Wait, ct);
        Assert.Equal("header", Text(second.Buffer));

        _reader.AdvanceTo(second.Buffer.GetPosition(4));
        Assert.True(_reader.TryRead(out var rest));
        Assert.Equal("er", Text(rest.Buffer));
        Assert.False(rest.IsCompleted);
    }

    [Fact]
    public async Task The_clients_end_completes_the_read_and_cancels_closed()
    {
        var ct = TestContext.Current.CancellationToken;
        _sockets.Client.Send("bye"u8);
        _sockets.Client.Shutdown(SocketShutdown.Send);

        var read = await _reader.ReadAsync(ct).AsTask().WaitAsync(Wait, ct);
        _reader.AdvanceTo(read.Buffer.End);
        if (!read.IsCompleted)
        {
            read = await _reader.ReadAsync(ct).AsTask().WaitAsync(Wait, ct);
        }

        Assert.True(read.IsCompleted);
        Assert.True(_reader.Closed.IsCancellationRequested);
    }

    [Fact]
    public async Task Cancel_pending_read_wakes_a_read_waiting_for_the_client()
    {
        var ct = TestContext.Current.CancellationToken;
        var waiting = _reader.ReadAsync(ct).AsTask();
        Assert.False(waiting.IsCompleted);

        _reader.CancelPendingRead();

        var result = await waiting.WaitAsync(Wait, ct);
        Assert.True(result.IsCanceled || result.IsCompleted);
        Assert.True(_reader.Closed.IsCancellationRequested);
    }

    [Fact]
    public async Task A_watch_sees_the_client_leave_while_nothing_reads()
    {
        var ct = TestContext.Current.CancellationToken;
        _reader.WatchForEnd();

        _sockets.Client.Shutdown(SocketShutdown.Both);

        await Eventually.UntilAsync(() => _reader.Closed.IsCancellationRequested, Wait, ct, "the watch did not see the client leave");
    }

    [Fact]
    public async Task A_watch_leaves_bytes_sent_meanwhile_for_the_next_read()
    {
        var ct = TestContext.Current.CancellationToken;
        _reader.WatchForEnd();
        var read = _reader.ReadAsync(ct).AsTask();
        Assert.False(read.IsCompleted);

        _sockets.Client.Send("next"u8);

        var result = await read.WaitAsync(Wait, ct);
        Assert.Equal("next", Text(result.Buffer));
        Assert.False(_reader.Closed.IsCancellationRequested);
    }

    private static string Text(ReadOnlySequence<byte> bytes) => Encoding.ASCII.GetString(bytes.ToArray());
}
