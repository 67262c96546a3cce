using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace Suite.Edge.Delivery;

/// <summary>
/// The bounded, byte-accounted send queue of one connection: any number of fan-out threads write
/// with <see cref="TryEnqueue(OutboundFrame)"/>, which never blocks; exactly one reader (the socket
/// send loop) reads. It also decides who writes to the socket: a writer that finds nothing queued,
/// nothing being sent and the reader asleep is told to send the frame itself
/// (<see cref="TryEnqueue(OutboundFrame, out bool)"/>), and the reader stays asleep until
/// <see cref="EndSend"/>.
/// </summary>
/// <remarks>
/// A plain <see cref="Channel{T}"/> cannot hold the queue itself: it bounds by item count, not
/// bytes, cannot replace a queued item in place (latest-wins coalescing keeps the old position),
/// and cannot put urgent frames first without a second channel and a reader that waits on two.
/// So the frames live in two rings and a key map under one short lock: writers to one connection
/// contend only with each other and that connection's reader, never across connections, and an
/// uncontended lock costs what a channel's own internal lock does (measured: a delivery costs the
/// same as with a bounded channel per connection). The one reader waits on a reusable value-task
/// source held in the queue, as a single-reader channel does internally: a wake-up allocates
/// nothing, and an idle queue costs about 320 bytes where a channel-based one cost about 940.
///
/// Most frames find the socket idle. Queueing such a frame only to wake the reader cost a thread-pool
/// hop and an async resumption per recipient, several times the send itself, so the writer sends
/// it on its own thread instead (a frame written to a socket with buffer room goes out in one
/// non-blocking send() before the write returns, see <c>WebSocketTransport.WriteFrameAsync</c>). The queue holds at most one such claim, and while it is held the reader is
/// neither woken nor handed frames: one send at a time, in order, with the watermarks, the urgent
/// lane and coalescing applying to whatever queues behind the frame being sent, exactly as they
/// did behind a frame the reader was sending. A frame sent now was never queued, so like a frame
/// the reader has taken it no longer counts toward the queued bytes.
/// </remarks>
public sealed class SendQueue : IValueTaskSource<bool>, IValueTaskSource<OutboundFrame?>
{
    // The limits are read from the options object shared by every queue (copies of its five values
    // cost each connection 40 B), and the queue locks itself rather than a Lock object of its own
    // (another 40 B): an uncontended monitor lives in the object header and allocates nothing. The
    // queue is internal to its connection, so no one else locks it.
    private readonly SendQueueOptions _options;
    private readonly TimeProvider _time;

    private FrameRing _urgent;
    private FrameRing _normal;
    private Dictionary<string, KeyedSlot>? _keys;
    private long _bytes;
    private int _count;
    private bool _congested;
    private long _congestedSince;
    private State _state;

    // A writer was told to send a frame itself and has not called EndSend yet.
    private bool _sending;

    // The single reader's pending WaitToReadAsync or ReadAsync. Whoever takes _waiting under the lock
    // (a writer, a close, or the cancellation callback) completes it, after the lock; continuations
    // run asynchronously so a fan-out thread never runs a socket send loop inline.
    private ManualResetValueTaskSourceCore<bool> _waitCore = new() { RunContinuationsAsynchronously = true };
    private ManualResetValueTaskSourceCore<OutboundFrame?> _readCore = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _waitCancellation;
    private Waiting _waiting;

    private long _dropped;
    private long _coalesced;
    private long _expired;

    public SendQueue(SendQueueOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HighWatermarkBytes, options.LowWatermarkBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HardLimitBytes, options.HighWatermarkBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxQueuedFrames, 1, nameof(options));

        _time = timeProvider;
        _options = options;
    }

    private enum State : byte
    {
        Open,
        Completed,
        Overflowed,
    }

    private enum Waiting : byte
    {
        None,
        WaitToRead,
        Read,
    }

    /// <summary>Payload bytes queued now.</summary>
    public long QueuedBytes => Volatile.Read(ref _bytes);

    /// <summary>Frames queued now.</summary>
    public int QueuedCount => Volatile.Read(ref _count);

    /// <summary>Droppable frames refused since the queue was created.</summary>
    public long DroppedCount => Volatile.Read(ref _dropped);

    /// <summary>Queued frames replaced by a later frame with the same key.</summary>
    public long CoalescedCount => Volatile.Read(ref _coalesced);

    /// <summary>Frames refused or skipped because they expired before they could be sent.</summary>
    public long ExpiredCount => Volatile.Read(ref _expired);

    /// <summary>Above the high watermark and not yet drained to the low one: droppable frames are refused.</summary>
    public bool IsCongested => Volatile.Read(ref _congested);

    /// <summary>The queue closed itself because the client was too slow; the connection closes with 1013.</summary>
    public bool IsOverflowed
    {
        get
        {
            lock (this)
            {
                return _state == State.Overflowed;
            }
        }
    }

    /// <summary>Queues a frame without blocking. See <see cref="EnqueueOutcome"/> for what each outcome asks of the caller.</summary>
    public EnqueueOutcome TryEnqueue(OutboundFrame frame) => Enqueue(frame, maySendNow: false, out _);

    /// <summary>
    /// Like <see cref="TryEnqueue(OutboundFrame)"/>, except that when nothing is queued, no send is in
    /// progress and the reader is waiting, the frame is not queued: <paramref name="sendNow"/> is
    /// true, the outcome is <see cref="EnqueueOutcome.Accepted"/>, and the caller must write the
    /// frame to the socket itself and then call <see cref="EndSend"/>, also when the write fails.
    /// </summary>
    public EnqueueOutcome TryEnqueue(OutboundFrame frame, out bool sendNow) => Enqueue(frame, maySendNow: true, out sendNow);

    /// <summary>
    /// Ends the send that <see cref="TryEnqueue(OutboundFrame, out bool)"/> handed to its caller. The
    /// reader is woken if frames queued behind it or the queue was closed meanwhile.
    /// </summary>
    public void EndSend()
    {
        Waiting wake;
        OutboundFrame? handedOver;
        bool hasFrames;
        lock (this)
        {
            if (!_sending)
            {
                throw new InvalidOperationException("No send was handed out.");
            }

            _sending = false;
            wake = TakeWaiterLocked(out handedOver, out hasFrames);
        }

        Wake(wake, handedOver, hasFrames);
    }

    private EnqueueOutcome Enqueue(OutboundFrame frame, bool maySendNow, out bool sendNow)
    {
        ArgumentNullException.ThrowIfNull(frame);

        var expired = frame.ExpiresAt is { } expiresAt && expiresAt <= _time.GetUtcNow();
        long size = frame.Payload.Length;
        EnqueueOutcome outcome;
        Waiting wake;
        OutboundFrame? handedOver;
        bool hasFrames;
        sendNow = false;

        lock (this)
        {
            if (_state != State.Open)
            {
                return EnqueueOutcome.Closed;
            }

            if (_congested && _time.GetElapsedTime(_congestedSince) > _options.SlowConsumerGracePeriod)
            {
                outcome = OverflowLocked();
            }
            else if (expired)
            {
                _expired++;
                return EnqueueOutcome.Expired;
            }
            else if (maySendNow && _count == 0 && !_sending && _waiting != Waiting.None)
            {
                // Empty means not congested and no key queued, so no rule below could apply.
                _sending = true;
                sendNow = true;
                return EnqueueOutcome.Accepted;
            }
            else if (frame.DroppableKey is { } key)
            {
                outcome = EnqueueDroppableLocked(frame, key, size);
            }
            else if (_count > 0 && (_bytes + size > _options.HardLimitBytes || _count >= _options.MaxQueuedFrames))
            {
                // An empty queue takes any single frame: frame size is limited elsewhere, and a
                // frame larger than the hard limit would otherwise close every connection it goes to.
                outcome = OverflowLocked();
            }
            else
            {
                AppendLocked(frame, size);
                outcome = EnqueueOutcome.Accepted;
            }

            wake = TakeWaiterLocked(out handedOver, out hasFrames);
        }

        Wake(wake, handedOver, hasFrames);
        return outcome;
    }

    /// <summary>
    /// Takes the next frame if there is one: urgent frames first, expired frames skipped; none while a
    /// writer is sending one itself. For the single reader.
    /// </summary>
    public bool TryRead([NotNullWhen(true)] out OutboundFrame? frame) => TryRead(out frame, out _);

    /// <summary>
    /// Like <see cref="TryRead(out OutboundFrame)"/>, and says how many frames it skipped because they
    /// expired while queued, for the reader to count as dropped (nothing else sees them go).
    /// </summary>
    public bool TryRead([NotNullWhen(true)] out OutboundFrame? frame, out int expired)
    {
        lock (this)
        {
            frame = null;
            expired = 0;
            return !_sending && TryReadLocked(out frame, ref expired);
        }
    }

    /// <summary>
    /// Completes with true when a frame may be available, false once the queue is closed and empty.
    /// For the single reader, with <see cref="TryRead(out OutboundFrame)"/> to send a batch per wake-up.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        lock (this)
        {
            if (_count > 0 && !_sending)
            {
                return new ValueTask<bool>(true);
            }

            if (_state != State.Open && !_sending)
            {
                return new ValueTask<bool>(false);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }

            _waitCore.Reset();
            StartWaitingLocked(Waiting.WaitToRead, cancellationToken);
            return new ValueTask<bool>(this, _waitCore.Version);
        }
    }

    /// <summary>
    /// For a reader that runs only while there is something to send: like <see cref="WaitToReadAsync"/>,
    /// but instead of a task for an awaiting loop to hold, the queue keeps <paramref name="callback"/>
    /// and calls it with <paramref name="state"/> on the thread pool when a frame may be available or
    /// the queue closed; the callback first calls <see cref="EndReaderWait"/>. When the queue is
    /// readable already nothing is kept and the answer says what to do instead.
    /// </summary>
    /// <remarks>
    /// An idle connection then holds no reader at all, only the callback (a static delegate) and its
    /// state in the queue; a waiting send loop kept its async state machine alive (~170 B) for the
    /// connection's whole life. A waiting reader counts as asleep for
    /// <see cref="TryEnqueue(OutboundFrame, out bool)"/>, so writers send frames themselves as before.
    /// </remarks>
    public ReaderWait WaitToReadThen(Action<object?> callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (this)
        {
            if (!_sending && _count > 0)
            {
                return ReaderWait.Readable;
            }

            if (!_sending && _state != State.Open)
            {
                return ReaderWait.Finished;
            }

            _waitCore.Reset();
            StartWaitingLocked(Waiting.WaitToRead, CancellationToken.None);
            _waitCore.OnCompleted(callback, state, _waitCore.Version, ValueTaskSourceOnCompletedFlags.None);
            return ReaderWait.Waiting;
        }
    }

    /// <summary>Ends the wait <see cref="WaitToReadThen"/> started; called first thing by its callback.</summary>
    public void EndReaderWait() => ((IValueTaskSource<bool>)this).GetResult(_waitCore.Version);

    /// <summary>The next frame, or null once the queue is closed and empty. For the single reader.</summary>
    public ValueTask<OutboundFrame?> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (this)
        {
            if (!_sending && TryReadLocked(out var frame))
            {
                return new ValueTask<OutboundFrame?>(frame);
            }

            if (_state != State.Open && !_sending)
            {
                return new ValueTask<OutboundFrame?>((OutboundFrame?)null);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<OutboundFrame?>(cancellationToken);
            }

            _readCore.Reset();
            StartWaitingLocked(Waiting.Read, cancellationToken);
            return new ValueTask<OutboundFrame?>(this, _readCore.Version);
        }
    }

    /// <summary>Every frame until the queue is closed and empty. For the single reader.</summary>
    public async IAsyncEnumerable<OutboundFrame> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await WaitToReadAsync(cancellationToken))
        {
            while (TryRead(out var frame))
            {
                yield return frame;
            }
        }
    }

    /// <summary>Accepts nothing more; the reader still gets what is queued, then ends (graceful drain).</summary>
    public void Complete() => Close(discard: false);

    /// <summary>Accepts nothing more and discards what is queued; the reader ends at once.</summary>
    public void Abort() => Close(discard: true);

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return _waitCore.GetResult(token);
        }
        finally
        {
            EndWait();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waitCore.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waitCore.OnCompleted(continuation, state, token, flags);

    OutboundFrame? IValueTaskSource<OutboundFrame?>.GetResult(short token)
    {
        try
        {
            return _readCore.GetResult(token);
        }
        finally
        {
            EndWait();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<OutboundFrame?>.GetStatus(short token) => _readCore.GetStatus(token);

    void IValueTaskSource<OutboundFrame?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _readCore.OnCompleted(continuation, state, token, flags);

    private void StartWaitingLocked(Waiting waiting, CancellationToken cancellationToken)
    {
        if (_waiting != Waiting.None)
        {
            throw new InvalidOperationException("A send queue has one reader, and it is already waiting.");
        }

        _waiting = waiting;

        // Registered under the lock so GetResult always finds the registration to dispose. Should the
        // token be cancelled in between, the callback runs inline and re-enters this (reentrant) lock.
        _waitCancellation = cancellationToken.UnsafeRegister(
            static (state, token) => ((SendQueue)state!).CancelWait(token), this);
    }

    // The next wait cannot begin before GetResult returns: there is one reader.
    private void EndWait()
    {
        _waitCancellation.Dispose();
        _waitCancellation = default;
    }

    // A waiting reader means the queue was empty, so only a first frame or a close wakes it, and
    // not while a writer sends a frame itself: EndSend wakes it then. A waiting ReadAsync is handed
    // its frame here, under the lock, like a channel does.
    private Waiting TakeWaiterLocked(out OutboundFrame? handedOver, out bool hasFrames)
    {
        handedOver = null;
        hasFrames = _count > 0;
        var waiting = _waiting;
        if (waiting == Waiting.None
            || _sending
            || (waiting == Waiting.WaitToRead && _count == 0 && _state == State.Open)
            || (waiting == Waiting.Read && !TryReadLocked(out handedOver) && _state == State.Open))
        {
            return Waiting.None;
        }

        _waiting = Waiting.None;
        return waiting;
    }

    private void Wake(Waiting waiting, OutboundFrame? handedOver, bool hasFrames)
    {
        if (waiting == Waiting.WaitToRead)
        {
            _waitCore.SetResult(hasFrames);
        }
        else if (waiting == Waiting.Read)
        {
            _readCore.SetResult(handedOver);
        }
    }

    private void Close(bool discard)
    {
        Waiting wake;
        OutboundFrame? handedOver;
        bool hasFrames;
        lock (this)
        {
            if (_state == State.Open)
            {
                _state = State.Completed;
            }

            if (discard)
            {
                ClearLocked();
            }

            wake = TakeWaiterLocked(out handedOver, out hasFrames);
        }

        Wake(wake, handedOver, hasFrames);
    }

    private void CancelWait(CancellationToken token)
    {
        Waiting waiting;
        lock (this)
        {
            waiting = _waiting;
            _waiting = Waiting.None;
        }

        var cancelled = ExceptionDispatchInfo.SetCurrentStackTrace(new OperationCanceledException(token));
        if (waiting == Waiting.WaitToRead)
        {
            _waitCore.SetException(cancelled);
        }
        else if (waiting == Waiting.Read)
        {
            _readCore.SetException(cancelled);
        }
    }

    private EnqueueOutcome EnqueueDroppableLocked(OutboundFrame frame, string key, long size)
    {
        if (_keys is not null && _keys.TryGetValue(key, out var slot))
        {
            ref var ring = ref slot.Urgent ? ref _urgent : ref _normal;
            var bytes = _bytes - ring.At(slot.Sequence).Payload.Length + size;
            if (bytes > _options.HardLimitBytes)
            {
                _dropped++;
                return EnqueueOutcome.Dropped;
            }

            ring.Replace(slot.Sequence, frame);
            _bytes = bytes;
            _coalesced++;
            EnterCongestionIfAboveHighLocked();
            return EnqueueOutcome.Coalesced;
        }

        if (_congested || (_count > 0 && (_bytes + size > _options.HardLimitBytes || _count >= _options.MaxQueuedFrames)))
        {
            _dropped++;
            return EnqueueOutcome.Dropped;
        }

        var sequence = AppendLocked(frame, size);
        (_keys ??= new Dictionary<string, KeyedSlot>(StringComparer.Ordinal))[key] = new KeyedSlot(frame.Urgent, sequence);
        return EnqueueOutcome.Accepted;
    }

    private long AppendLocked(OutboundFrame frame, long size)
    {
        var sequence = frame.Urgent ? _urgent.Enqueue(frame) : _normal.Enqueue(frame);
        _count++;
        _bytes += size;
        EnterCongestionIfAboveHighLocked();
        return sequence;
    }

    private void EnterCongestionIfAboveHighLocked()
    {
        if (!_congested && _bytes > _options.HighWatermarkBytes)
        {
            _congested = true;
            _congestedSince = _time.GetTimestamp();
        }
    }

    private EnqueueOutcome OverflowLocked()
    {
        // Discard now rather than drain: the client is being closed for slowness, and holding its
        // backlog until the close completes is exactly the memory growth this rule prevents.
        _state = State.Overflowed;
        ClearLocked();
        return EnqueueOutcome.Overflow;
    }

    private bool TryReadLocked([NotNullWhen(true)] out OutboundFrame? frame)
    {
        var expired = 0;
        return TryReadLocked(out frame, ref expired);
    }

    private bool TryReadLocked([NotNullWhen(true)] out OutboundFrame? frame, ref int expired)
    {
        DateTimeOffset? now = null;
        while (_count > 0)
        {
            var next = _urgent.Count > 0 ? _urgent.Dequeue() : _normal.Dequeue();
            _count--;
            _bytes -= next.Payload.Length;
            if (next.DroppableKey is { } key)
            {
                _keys!.Remove(key);
            }

            if (_congested && _bytes <= _options.LowWatermarkBytes)
            {
                _congested = false;
            }

            if (next.ExpiresAt is { } expiresAt && expiresAt <= (now ??= _time.GetUtcNow()))
            {
                _expired++;
                expired++;
                continue;
            }

            frame = next;
            return true;
        }

        frame = null;
        return false;
    }

    private void ClearLocked()
    {
        _urgent.Clear();
        _normal.Clear();
        _keys = null;
        _bytes = 0;
        _count = 0;
        _congested = false;
    }

    private readonly record struct KeyedSlot(bool Urgent, long Sequence);
}
