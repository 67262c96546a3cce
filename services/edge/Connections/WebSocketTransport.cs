using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Suite.Edge.Connections;

/// <summary>
/// The byte stream under one server WebSocket: the connection's input pipe, its socket (or output
/// pipe) for writes, plus the keep-alive state the edge-wide sweep drives (<see cref="Heartbeat"/>),
/// so no connection needs a timer of its own.
/// </summary>
/// <remarks>
/// Every write is whole frames: the runtime WebSocket's own (close, pong) through
/// <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, delivered frames, already
/// framed once per delivery, through <see cref="WriteFrameAsync"/>, and pings. Writes go out one
/// after another in the order they were started, so frames never interleave.
/// <para>
/// The runtime's WebSocket keep-alive runs a timer per socket and offers no way to send a ping
/// from outside, so pings are written here, between frames, and only while no write is pending.
/// Any byte from the client shows it is alive, which is what the pong is for.
/// </para>
/// <para>
/// Reads never hand the socket bytes past the end of the client frame it is reading: the socket
/// would otherwise read ahead into its own buffer, and bytes waiting there are invisible to anyone
/// watching the pipe. So between frames nothing is buffered above the pipe, and an idle connection
/// can wait on the pipe itself (<see cref="WaitForDataAsync"/>, <see cref="FrameArrived"/>) with no
/// pending socket receive: that receive kept two state machines (~400 B) per idle connection.
/// Pongs are taken out at frame boundaries, so the answer to a keep-alive ping does not wake the
/// socket either (the runtime ignores pongs; RFC 6455 §5.5.3 lets any endpoint ignore them).
/// </para>
/// A zero-byte read waits on the pipe without holding a buffer, so an idle connection holds none.
/// </remarks>
public sealed class WebSocketTransport : Stream
{
    // FIN + opcode 0x9 (ping), unmasked (server to client), no payload.
    private static readonly byte[] PingFrame = [0x89, 0x00];

    private const int PongOpcode = 0xA;
    private const int MaxHeaderLength = 14;
    private const int MaxControlPayload = 125;

    private readonly PipeReader _input;
    private readonly PipeWriter? _output;
    private readonly Socket? _socket;
    private readonly bool _ownsSocket;

    // Writes are ordered under the transport's own monitor rather than a Lock object per connection
    // (40 B): uncontended, a monitor lives in the object header. Nothing else locks a transport.
    private object WriteGate => this;

    // The write that could not finish at once (the rest of a frame the socket would not take yet),
    // or the last write queued behind it; the next write goes after it. Null or completed: idle.
    private Task? _pending;
    private int _received;
    private int _disposed;
    private long _lastHeardTicks;
    private long _pingSentTicks;

    // Bytes of the client frame being read that the socket has not taken yet; 0 between frames.
    private long _frameLeft;

    /// <param name="input">Bytes from the client.</param>
    /// <param name="output">Where writes go without <paramref name="socket"/>.</param>
    /// <param name="now">The connection counts as heard from now.</param>
    /// <param name="socket">
    /// The connection's socket, written directly (see <see cref="WriteFrameAsync"/>); the caller
    /// writes nothing more to <paramref name="output"/>, or bytes could reach the client out of order.
    /// </param>
    /// <param name="ownsSocket">Closing the transport closes <paramref name="socket"/> (no Kestrel connection owns it).</param>
    public WebSocketTransport(PipeReader input, PipeWriter? output, DateTimeOffset now, Socket? socket = null, bool ownsSocket = false)
    {
        if (socket is null && output is null)
        {
            throw new ArgumentException("A transport writes to its socket or its output pipe.", nameof(output));
        }

        _input = input;
        _output = output;
        _ownsSocket = ownsSocket && socket is not null;
        _lastHeardTicks = now.UtcTicks;
        if (socket is not null)
        {
            // A send then takes what the socket's buffer has room for and returns, instead of
            // blocking the thread until the client reads: the rest is sent asynchronously.
            socket.Blocking = false;
            _socket = socket;
        }
    }

    /// <summary>The connection runs on its bare socket, accepted by the edge's own listener (<see cref="ClientListenerFactory"/>), not on a Kestrel connection.</summary>
    public bool OwnsSocket => _ownsSocket;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>
    /// One keep-alive step, called by the sweep: pings a client that has been silent for
    /// <paramref name="interval"/>, and reports it dead when nothing came within <paramref name="timeout"/>
    /// of the ping. A zero interval turns keep-alive off, as for the runtime's own. Without
    /// <paramref name="mayPing"/> a ping that is due waits for a later call.
    /// </summary>
    public HeartbeatOutcome Heartbeat(DateTimeOffset now, TimeSpan interval, TimeSpan timeout, bool mayPing = true)
    {
        var ticks = now.UtcTicks;
        // Read before the exchange: most calls find nothing heard, and a plain read spares an idle
        // connection the locked write (the sweep calls this for every connection every second).
        if (Volatile.Read(ref _received) == 1 && Interlocked.Exchange(ref _received, 0) == 1)
        {
            _lastHeardTicks = ticks;
            _pingSentTicks = 0;
        }

        if (interval <= TimeSpan.Zero)
        {
            return HeartbeatOutcome.None;
        }

        if (_pingSentTicks != 0)
        {
            return ticks - _pingSentTicks >= timeout.Ticks ? HeartbeatOutcome.Dead : HeartbeatOutcome.None;
        }

        if (mayPing && ticks - _lastHeardTicks >= interval.Ticks && TryPing())
        {
            _pingSentTicks = ticks;
            return HeartbeatOutcome.Pinged;
        }

        return HeartbeatOutcome.None;
    }

    /// <summary>
    /// When <see cref="Heartbeat"/> next has something to do, as of its last call: the ping's timeout
    /// while one is unanswered, else the end of the interval since the client was last heard;
    /// <see cref="long.MaxValue"/> with keep-alive off.
    /// </summary>
    public long HeartbeatDueTicks(TimeSpan interval, TimeSpan timeout) =>
        interval <= TimeSpan.Zero ? long.MaxValue
        : _pingSentTicks != 0 ? _pingSentTicks + timeout.Ticks
        : _lastHeardTicks + interval.Ticks;

    // Pooled: a read that has to wait (a frame still arriving, a zero-byte read) allocates a
    // state-machine box, and after ping rounds the heap held ~2.4 of them per idle connection
    // (416 B, bench/memory.sh) while each idle socket still waited here; a pooled box goes back to
    // a shared cache when its read completes.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // A zero-byte read (how the socket waits while idle) takes no token: a registration would
            // stay on the socket's token for as long as the connection is idle, and closing this stream
            // ends the read anyway.
            var result = await _input.ReadAsync(buffer.IsEmpty ? CancellationToken.None : cancellationToken);
            if (result.IsCanceled || Volatile.Read(ref _disposed) == 1)
            {
                _input.AdvanceTo(result.Buffer.Start);
                throw new IOException("The connection was closed.");
            }

            var data = result.Buffer;
            if (_frameLeft == 0 && !StartFrame(ref data, result.IsCompleted))
            {
                // Only pongs or part of a frame header so far: wait for more.
                _input.AdvanceTo(data.Start, data.End);
                continue;
            }

            if (buffer.IsEmpty || data.IsEmpty)
            {
                // A zero-byte read only waits for data; leave it unread (and unexamined) for the next read.
                _input.AdvanceTo(data.Start);
                return 0;
            }

            var count = (int)Math.Min(Math.Min(buffer.Length, data.Length), _frameLeft);
            var end = data.GetPosition(count);
            data.Slice(0, end).CopyTo(buffer.Span);
            _input.AdvanceTo(end);
            _frameLeft -= count;
            Volatile.Write(ref _received, 1);
            return count;
        }
    }

    /// <summary>
    /// Waits for client bytes on the pipe itself, for a connection with no frame under way: the read
    /// behind it is the pipe's own, so an idle connection waits with no state machine of its own.
    /// Pass the result to <see cref="FrameArrived"/>.
    /// </summary>
    public ValueTask<ReadResult> WaitForDataAsync() => _input.ReadAsync(CancellationToken.None);

    /// <summary>
    /// What the wait found: the next client frame has begun (<see cref="InputArrival.Frame"/>, its
    /// bytes stay in the pipe for the socket; also when the transport was closed or cancelled, for the
    /// socket to find out), only pongs (taken out here) or part of a frame header
    /// (<see cref="InputArrival.Nothing"/>: wait again), or the client's end of the connection with
    /// nothing after the last whole frame (<see cref="InputArrival.End"/>).
    /// </summary>
    /// <remarks>
    /// The end is told apart so that a client that goes away without a close frame is not handed to
    /// the socket: its read would throw, and that exception, rethrown through each await above it, cost
    /// ~33 µs per connection in a profile of 1,000 clients leaving at once.
    /// </remarks>
    public InputArrival FrameArrived(ReadResult result)
    {
        var data = result.Buffer;
        if (result.IsCanceled || Volatile.Read(ref _disposed) == 1 || _frameLeft != 0)
        {
            _input.AdvanceTo(data.Start);
            return InputArrival.Frame;
        }

        if (!StartFrame(ref data, result.IsCompleted))
        {
            _input.AdvanceTo(data.Start, data.End);
            return InputArrival.Nothing;
        }

        // The frame's first bytes stay unexamined, so the socket's read returns them at once.
        _input.AdvanceTo(data.Start);
        _frameLeft = 0;
        return result.IsCompleted && data.IsEmpty ? InputArrival.End : InputArrival.Frame;
    }

    /// <summary>
    /// Over the edge's own listener, notices a client that leaves while its message is handled
    /// (<see cref="SocketReader.WatchForEnd"/>); Kestrel's receive loop does that for its connections.
    /// </summary>
    public void WatchForEnd() => (_input as SocketReader)?.WatchForEnd();

    /// <summary>The socket's own frames (close, pong); each is one whole frame.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteFrameAsync(buffer);
    }

    /// <summary>
    /// Writes one or more whole frames after every write started before it. With the socket, bytes the
    /// socket's buffer has room for are sent on the calling thread and the call completes at once;
    /// only what the socket does not take now goes on asynchronously. Without it, the frame goes
    /// through the connection's output pipe, which Kestrel's send loop empties.
    /// </summary>
    /// <remarks>
    /// Going through the pipe costs each frame a copy into the pipe, a flush that schedules
    /// Kestrel's send loop on its I/O queue, and that loop's read, send and advance: measured
    /// (perf, fanout-local at 10,000 deliveries/s) the larger part of what a delivery cost besides
    /// the send() itself. The frame's bytes must stay unchanged until the returned task completes.
    /// </remarks>
    public ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame)
    {
        lock (WriteGate)
        {
            ThrowIfClosed();
            if (_pending is { IsCompleted: false } before)
            {
                var queued = WriteAfterAsync(before, frame);
                _pending = queued;
                return new ValueTask(queued);
            }

            // A finished write is not kept: an idle connection holds no task.
            var rest = StartWriteLocked(frame);
            _pending = rest;
            return rest is null ? default : new ValueTask(rest);
        }
    }

    private async Task WriteAfterAsync(Task before, ReadOnlyMemory<byte> frame)
    {
        // A failed write before this one failed the connection: so does this one.
        await before.ConfigureAwait(false);
        Task? rest;
        lock (WriteGate)
        {
            ThrowIfClosed();
            rest = StartWriteLocked(frame);
        }

        if (rest is not null)
        {
            await rest.ConfigureAwait(false);
        }
    }

    // Under the gate, with no write pending: writes what can be written now and returns the rest
    // as a task, or null when the whole frame went.
    private Task? StartWriteLocked(ReadOnlyMemory<byte> frame)
    {
        if (_socket is not { } socket)
        {
            // The constructor made sure of one or the other.
            var output = _output!;
            output.Write(frame.Span);
            var flush = output.FlushAsync(CancellationToken.None);
            if (!flush.IsCompletedSuccessfully)
            {
                return FlushRestAsync(flush);
            }

            ThrowIfOutputCompleted(flush.Result);
            return null;
        }

        int sent;
        SocketError error;
        try
        {
            sent = socket.Send(frame.Span, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException ex)
        {
            throw new IOException("The connection was closed.", ex);
        }

        if (sent == frame.Length)
        {
            return null;
        }

        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            throw new IOException("The connection was closed.", new SocketException((int)error));
        }

        return SendRestAsync(socket, frame[sent..]);
    }

    private static async Task FlushRestAsync(ValueTask<FlushResult> flush) => ThrowIfOutputCompleted(await flush.ConfigureAwait(false));

    // The socket sends it when the client has read enough to make room; SendAsync completes once all
    // of it is sent. A connection that failed fails this write.
    private static async Task SendRestAsync(Socket socket, ReadOnlyMemory<byte> rest)
    {
        try
        {
            while (!rest.IsEmpty)
            {
                rest = rest[await socket.SendAsync(rest, SocketFlags.None).ConfigureAwait(false)..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw new IOException("The connection was closed.", ex);
        }
    }

    private static void ThrowIfOutputCompleted(FlushResult flushed)
    {
        if (flushed.IsCompleted)
        {
            throw new IOException("The connection was closed.");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    // The pipes belong to the connection, which completes them when its handler returns; closing the
    // stream (the socket's Abort or Dispose) only ends reads, so a pending receive fails at once. A
    // socket of the edge's own listener has no connection to close it: closing the stream does, after
    // the sends the handler waited for (or at once, for an abort).
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _input.CancelPendingRead();
            if (_ownsSocket)
            {
                CloseSocket(_socket!);
            }
        }

        base.Dispose(disposing);
    }

    private static void CloseSocket(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Reset by the client already.
        }

        socket.Dispose();
    }

    // At a frame boundary: drops complete pongs from the front of data and, once the next frame's
    // header is complete, sets _frameLeft to the frame's length. False while more bytes are needed.
    // At the end of the input whatever is left goes to the socket as it is, to fail as a cut frame.
    private bool StartFrame(ref ReadOnlySequence<byte> data, bool completed)
    {
        while (TryFrameLength(data, out var length, out var opcode))
        {
            // A pong longer than a control frame may be is the socket's to refuse, not ours to buffer.
            if (opcode != PongOpcode || length > MaxHeaderLength + MaxControlPayload)
            {
                _frameLeft = length;
                return true;
            }

            if (data.Length < length)
            {
                if (!completed)
                {
                    return false;
                }

                break;
            }

            data = data.Slice(length);
            Volatile.Write(ref _received, 1);
        }

        if (completed)
        {
            _frameLeft = Math.Max(data.Length, 1);
            return true;
        }

        return false;
    }

    // RFC 6455 §5.2: 2 bytes, then a 16- or 64-bit length when the 7-bit one says 126 or 127, then
    // the 4-byte mask key when the mask bit is set (always, from a client).
    private static bool TryFrameLength(ReadOnlySequence<byte> data, out long length, out int opcode)
    {
        length = 0;
        opcode = 0;
        Span<byte> head = stackalloc byte[MaxHeaderLength];
        var available = (int)Math.Min(data.Length, MaxHeaderLength);
        if (available < 2)
        {
            return false;
        }

        data.Slice(0, available).CopyTo(head);
        var lengthCode = head[1] & 0x7F;
        var extended = lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0;
        var headerLength = 2 + extended + ((head[1] & 0x80) != 0 ? 4 : 0);
        if (available < headerLength)
        {
            return false;
        }

        var payload = extended switch
        {
            2 => BinaryPrimitives.ReadUInt16BigEndian(head[2..]),
            8 => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(head[2..]), long.MaxValue / 2),
            _ => lengthCode,
        };
        length = headerLength + payload;
        opcode = head[0] & 0x0F;
        return true;
    }

    // Only when no write is pending, so a ping never waits in line or keeps a write waiting.
    private bool TryPing()
    {
        lock (WriteGate)
        {
            if (_pending is { IsCompleted: false } || Volatile.Read(ref _disposed) == 1)
            {
                return false;
            }

            try
            {
                _pending = StartWriteLocked(PingFrame);
                return true;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The connection is going away; its read loop finds out by itself.
                return false;
            }
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new IOException("The connection was closed.");
        }
    }
}
