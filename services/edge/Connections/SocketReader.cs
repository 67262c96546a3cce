using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Suite.Edge.Connections;

/// <summary>
/// A client's bytes read straight from its socket, for a connection the edge's own listener
/// (<see cref="ClientListener"/>) accepted: the input pipe of <see cref="WebSocketTransport"/>
/// without a pipe, a receive loop or a buffer of its own while the connection idles.
/// </summary>
/// <remarks>
/// It reads only when asked: a wait for data is a zero-byte receive that holds no buffer, and a
/// buffer is rented once bytes are there and returned as soon as they are all consumed. The end of
/// the client's stream, a reset and a closed socket all read as the end (IsCompleted), which the
/// transport tells apart from a cut frame. <see cref="Closed"/> is the connection's abort token
/// (what Kestrel's ConnectionClosed was): cancelled at that end, and when the transport is closed.
/// </remarks>
public sealed class SocketReader : PipeReader
{
    // A client frame header and a pong take far less; bigger messages are copied out as they arrive.
    private const int BufferSize = 4096;

    // Where a watch's peek puts the byte it looks at; the value is never read, so one array serves all.
    private static readonly byte[] PeekedByte = new byte[1];

    private readonly Socket _socket;
    private readonly CancellationTokenSource _closed = new();
    private byte[]? _buffer;
    private int _start;
    private int _end;

    // The reader looked at every byte buffered without taking them all: the next read waits for more.
    private bool _examinedAll;
    private bool _ended;
    private int _cancelPending;

    // A wait for the socket to become readable that WatchForEnd started; the next read waits on it.
    private Task? _watch;

    public SocketReader(Socket socket) => _socket = socket;

    /// <summary>Cancelled when the client's stream ends or the transport over this reader closes.</summary>
    public CancellationToken Closed => _closed.Token;

    private ReadOnlySequence<byte> Buffered => _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    public override bool TryRead(out ReadResult result)
    {
        if (Interlocked.Exchange(ref _cancelPending, 0) == 1)
        {
            result = new ReadResult(Buffered, isCanceled: true, _ended);
            return true;
        }

        if (_ended || (_end > _start && !_examinedAll))
        {
            result = new ReadResult(Buffered, isCanceled: false, _ended);
            return true;
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        TryRead(out var result) ? new ValueTask<ReadResult>(result) : ReceiveAsync(cancellationToken);

    // Pooled, as the transport's own read: the box goes back to a shared cache when the read completes.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Idle: wait for the client holding no buffer (on the watch's wait, if one runs: two
            // receives queued on one socket would take the bytes in turns), then rent one.
            var watch = _watch;
            _watch = null;
            if (watch is not null)
            {
                await watch.WaitAsync(cancellationToken);
            }
            else if (_buffer is null)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken);
            }

            if (_buffer is null)
            {
                _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            }
            else
            {
                MakeRoom();
            }

            var received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            _end += received;
            _examinedAll = false;
            if (received == 0)
            {
                End();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset or closed under the read: the client is gone either way.
            End();
        }

        return new ReadResult(Buffered, isCanceled: Interlocked.Exchange(ref _cancelPending, 0) == 1, _ended);
    }

    // Unconsumed bytes move to the front; a full buffer (bytes examined, none consumable yet) doubles.
    private void MakeRoom()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer!.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            _buffer.AsSpan(0, _end).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }

    /// <summary>
    /// While the connection handles a client message nobody reads its socket, so a client that
    /// leaves meanwhile would go unnoticed until the handling ends: this waits for the socket to
    /// become readable and cancels <see cref="Closed"/> (the handling's upstream calls) if what it
    /// finds is the end of the stream or a reset. The wait is not cancelled when the handling ends: it
    /// is the next read's wait for data (a cancelled socket receive stays queued on the socket until
    /// its next event, ~400 B per connection), and bytes the client sent stay where they are for it.
    /// </summary>
    public void WatchForEnd()
    {
        if (_ended || _end > _start || _watch is not null || _closed.IsCancellationRequested)
        {
            return;
        }

        _watch = WatchAsync();
    }

    // No reader runs until this completes (the next read awaits it), so the peek cannot race one.
    private async Task WatchAsync()
    {
        try
        {
            await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
            // The socket does not block (WebSocketTransport); 0 with success is the end of the client's stream.
            var peeked = _socket.Receive(PeekedByte, 0, 1, SocketFlags.Peek, out var error);
            if (error is not (SocketError.Success or SocketError.WouldBlock) || (peeked == 0 && error == SocketError.Success))
            {
                Cancel();
            }
        }
        catch (SocketException)
        {
            Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Closed under the watch: the connection is ending anyway.
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_buffer is null)
        {
            return;
        }

        // The positions are offsets into the one array Buffered wraps.
        _start = consumed.GetInteger();
        _examinedAll = examined.GetInteger() == _end && _end > _start;
        if (_start == _end)
        {
            ReturnBuffer();
        }
    }

    /// <summary>
    /// Ends reading for good (the transport calls it when it closes): a pending wait returns as
    /// cancelled. The socket's receive side is shut to wake a receive under way.
    /// </summary>
    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelPending, 1);
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Gone already: any pending receive has failed with it.
        }

        Cancel();
    }

    public override void Complete(Exception? exception = null)
    {
        if (_buffer is not null)
        {
            ReturnBuffer();
        }

        Cancel();
    }

    private void ReturnBuffer()
    {
        ArrayPool<byte>.Shared.Return(_buffer!);
        _buffer = null;
        _start = _end = 0;
    }

    private void End()
    {
        _ended = true;
        Cancel();
    }

    // Never disposed (it has no timer), so cancelling is always allowed.
    private void Cancel() => _closed.Cancel();
}
