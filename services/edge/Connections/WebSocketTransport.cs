using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Suite.Edge.Connections;

/// <summary>
/// The byte stream under one server WebSocket: the connection's pipes, plus the keep-alive state the
/// edge-wide sweep drives (<see cref="Heartbeat"/>), so no connection needs a timer of its own.
/// </summary>
/// <remarks>
/// The runtime's WebSocket keep-alive runs a timer per socket and offers no way to send a ping
/// from outside, so pings are written here, between the socket's own frames: it writes each frame
/// with one <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, and a ping is only
/// written while no such write is under way. A pong is not parsed out of the input: any byte from
/// the client shows it is alive, which is what the pong is for.
/// A zero-byte read waits on the pipe without holding a buffer, so an idle connection holds none.
/// </remarks>
public sealed class WebSocketTransport : Stream
{
    // FIN + opcode 0x9 (ping), unmasked (server to client), no payload.
    private static readonly byte[] PingFrame = [0x89, 0x00];

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Lock _writeGate = new();
    private bool _writing;
    private Task? _pingFlush;
    private int _received;
    private int _disposed;
    private long _lastHeardTicks;
    private long _pingSentTicks;

    public WebSocketTransport(PipeReader input, PipeWriter output, DateTimeOffset now)
    {
        _input = input;
        _output = output;
        _lastHeardTicks = now.UtcTicks;
    }

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
        if (Interlocked.Exchange(ref _received, 0) == 1)
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

    // Pooled: a read that has to wait (the idle zero-byte read, a pong after a ping) allocates a
    // state-machine box, and after ping rounds the heap held ~2.4 of them per idle connection
    // (416 B, bench/memory.sh); a pooled box goes back to a shared cache when its read completes,
    // leaving only the pending read's box (176 B).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A zero-byte read (how the read loop waits while idle) takes no token: a registration would
        // stay on the socket's token for as long as the connection is idle, and closing this stream
        // ends the read anyway.
        var result = await _input.ReadAsync(buffer.IsEmpty ? CancellationToken.None : cancellationToken);
        if (result.IsCanceled || Volatile.Read(ref _disposed) == 1)
        {
            _input.AdvanceTo(result.Buffer.Start);
            throw new IOException("The connection was closed.");
        }

        var data = result.Buffer;
        if (buffer.IsEmpty || data.IsEmpty)
        {
            // A zero-byte read only waits for data; leave it unread (and unexamined) for the next read.
            _input.AdvanceTo(data.Start);
            return 0;
        }

        var count = (int)Math.Min(buffer.Length, data.Length);
        var end = data.GetPosition(count);
        data.Slice(0, end).CopyTo(buffer.Span);
        _input.AdvanceTo(end);
        Volatile.Write(ref _received, 1);
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task? ping;
            lock (_writeGate)
            {
                ping = _pingFlush is { IsCompleted: false } pending ? pending : null;
                if (ping is null)
                {
                    ThrowIfClosed();
                    _writing = true;
                    break;
                }
            }

            await ping;
        }

        try
        {
            _output.Write(buffer.Span);
            var flushed = await _output.FlushAsync(cancellationToken);
            if (flushed.IsCompleted)
            {
                throw new IOException("The connection was closed.");
            }
        }
        finally
        {
            lock (_writeGate)
            {
                _writing = false;
            }
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
    // stream (the socket's Abort or Dispose) only ends reads, so a pending receive fails at once.
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _input.CancelPendingRead();
        }

        base.Dispose(disposing);
    }

    private bool TryPing()
    {
        lock (_writeGate)
        {
            if (_writing || _pingFlush is { IsCompleted: false } || Volatile.Read(ref _disposed) == 1)
            {
                return false;
            }

            try
            {
                _output.Write(PingFrame);
                var flush = _output.FlushAsync(CancellationToken.None);
                if (flush.IsCompleted)
                {
                    flush.GetAwaiter().GetResult();
                    _pingFlush = null;
                }
                else
                {
                    _pingFlush = flush.AsTask();
                }

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
