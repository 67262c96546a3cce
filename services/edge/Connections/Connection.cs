using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Suite.Edge.Delivery;
using Suite.Edge.Inbox;
using Suite.Edge.Limits;
using Suite.Edge.Protocol.Encodings;
using Suite.Edge.Resume;

namespace Suite.Edge.Connections;

/// <summary>
/// One client connection: its socket, its send queue, who it is once authenticated, and its
/// limits. Fan-out threads call <see cref="Send"/>; the socket is written by the connection's send
/// loop, or by the thread calling <see cref="Send"/> when the socket can take the frame now, one
/// send at a time as the queue decides.
/// </summary>
public sealed class Connection
{
    /// <summary>About how many bytes of queued frames the send pump writes at once.</summary>
    public const int BatchBytes = 32 * 1024;

    private RateBudget _rate;
    private SweepWheel? _wheel;
    private int _state;
    private long _lastClientFrameTicks;
    private CloseRequest? _close;
    private long _sequence;
    private SendCounters? _counters;
    private ReplayOrder? _replayOrder;
    private LiveHold? _liveHold;
    private long _closeDeadlineTicks;

    // 1 while counted in the edge's AuthenticationBacklog: entered and left once each.
    private int _inAuthenticationBacklog;

    // Null while the send pump may still write; SendsDone once it sent the close; a
    // TaskCompletionSource while someone waits for that. Made only when awaited (at the end of the
    // connection), so an idle connection holds no task for it.
    private object? _sendsDone;
    private static readonly object SendsDone = new();

    // Read on every write: a field, so the JSON path pays no interface call for it.
    private readonly bool _binaryFrames;

    // Non-null when the client negotiated permessage-deflate: its frames are the shared compressed ones.
    private readonly FrameDeflater? _deflater;

    // The runtime WebSocket that reads the client's messages and sends the close. Over the edge's own
    // transport it is made when first needed and let go between messages (ReleaseIdleSocket): with
    // its two mutexes and UTF-8 state it was ~300 B of every idle connection, and between whole
    // messages it holds nothing a new one would not start with (the transport hands it one frame at
    // a time, and permessage-deflate is always negotiated without context takeover).
    private WebSocket? _socket;

    private static readonly WebSocketCreationOptions PlainSocket = SocketOptions(deflate: false);
    private static readonly WebSocketCreationOptions DeflateSocket = SocketOptions(deflate: true);

    /// <param name="deflater">
    /// Set when the client negotiated permessage-deflate, which only the edge's own handshake does:
    /// the compressed frames go through <paramref name="transport"/>.
    /// </param>
    /// <param name="socket">
    /// The accepted WebSocket (the HTTP pipeline's /ws endpoint); null over the edge's own
    /// <paramref name="transport"/>, where the connection makes its own when it needs one.
    /// </param>
    public Connection(string id, WebSocket? socket, SendQueue queue, ConnectionOptions options, DateTimeOffset now, WebSocketTransport? transport = null, IFrameCodec? codec = null, FrameDeflater? deflater = null)
    {
        if (socket is null && transport is null)
        {
            throw new ArgumentException("A connection needs its WebSocket or the transport to make one on.", nameof(socket));
        }

        _deflater = transport is null ? null : deflater;
        Id = id;
        Codec = codec ?? FrameCodecs.Json;
        _binaryFrames = Codec.BinaryFrames;
        _socket = socket;
        Transport = transport;
        Queue = queue;
        ConnectedAt = now;
        _lastClientFrameTicks = now.UtcTicks;
        _rate = new RateBudget(options.MessagesPerSecond, options.BytesPerSecond);
    }

    public string Id { get; }

    /// <summary>The encoding chosen at the upgrade (subprotocol), for the connection's whole life.</summary>
    public IFrameCodec Codec { get; }

    /// <summary>
    /// The runtime WebSocket over the connection (made now if it has none: see <see cref="ReleaseIdleSocket"/>).
    /// </summary>
    public WebSocket Socket => Volatile.Read(ref _socket) ?? CreateSocket();

    /// <summary>
    /// The WebSocket's state; a connection over its own transport that holds no WebSocket between
    /// messages is open (one it lets go of was open, and a close or an abort makes one).
    /// </summary>
    public WebSocketState SocketState => Volatile.Read(ref _socket)?.State ?? WebSocketState.Open;

    /// <summary>Whether the connection holds a runtime WebSocket now (an idle one over its own transport does not).</summary>
    internal bool HoldsSocket => Volatile.Read(ref _socket) is not null;

    /// <summary>The stream under <see cref="Socket"/> when the edge did the handshake itself; the sweep drives its keep-alive.</summary>
    public WebSocketTransport? Transport { get; }

    public SendQueue Queue { get; }

    public DateTimeOffset ConnectedAt { get; }

    public ConnectionState State => (ConnectionState)Volatile.Read(ref _state);

    public ClientIdentity? Identity { get; private set; }

    public DateTimeOffset LastClientFrameAt => new(Volatile.Read(ref _lastClientFrameTicks), TimeSpan.Zero);

    public CloseRequest? Close => Volatile.Read(ref _close);

    /// <summary>Moves to <paramref name="next"/> unless the connection is already closing; returns the previous state.</summary>
    public ConnectionState TransitionTo(ConnectionState next)
    {
        while (true)
        {
            var current = Volatile.Read(ref _state);
            if (current >= (int)ConnectionState.Closing && next < ConnectionState.Closing)
            {
                return (ConnectionState)current;
            }

            if (Interlocked.CompareExchange(ref _state, (int)next, current) == current)
            {
                return (ConnectionState)current;
            }
        }
    }

    /// <summary>Sets who the client is; the sweep looks again at once, as the token's expiry is new.</summary>
    public void Authenticate(ClientIdentity identity)
    {
        Identity = identity;
        Wheel?.Wake(this);
    }

    internal bool EnterAuthenticationBacklog() => Interlocked.CompareExchange(ref _inAuthenticationBacklog, 1, 0) == 0;

    internal bool LeaveAuthenticationBacklog() => Interlocked.CompareExchange(ref _inAuthenticationBacklog, 2, 1) == 1;

    /// <summary>Null until the connection first resumes a room (join with <c>since</c>), so the fan-out pays a null check for everyone else.</summary>
    public ReplayOrder? ReplayOrder => Volatile.Read(ref _replayOrder);

    /// <summary>The connection's <see cref="Resume.ReplayOrder"/>, made on its first resuming join.</summary>
    public ReplayOrder StartReplayOrder() =>
        Volatile.Read(ref _replayOrder) ?? Interlocked.CompareExchange(ref _replayOrder, new ReplayOrder(), null) ?? _replayOrder!;

    /// <summary>Non-null only while the connection's inbox is fetched after auth:ok: live deliveries wait in it (Inbox/LiveHold).</summary>
    public LiveHold? LiveHold => Volatile.Read(ref _liveHold);

    /// <summary>From now on live deliveries are held until <see cref="EndLiveHold"/>; call before the connection enters the local index.</summary>
    public void StartLiveHold() => Volatile.Write(ref _liveHold, new LiveHold());

    /// <summary>Sends the held live frames and ends the hold.</summary>
    public void EndLiveHold()
    {
        // Released before it is forgotten: a fan-out that still finds the hold offers its frame to it,
        // and the hold sends it after the held ones. Forgotten first, a fan-out in between saw no hold
        // and sent its frame straight away, ahead of every frame still held (seen as 34 before 9..33).
        if (Volatile.Read(ref _liveHold) is { } hold)
        {
            hold.Release(this);
            Interlocked.CompareExchange(ref _liveHold, null, hold);
        }
    }

    /// <summary>Numbers this connection's publishes, for idempotency keys that survive upstream retries.</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>A frame from the client: the connection is active again.</summary>
    public void Touch(DateTimeOffset now)
    {
        Volatile.Write(ref _lastClientFrameTicks, now.UtcTicks);
        if (State == ConnectionState.Idle)
        {
            TransitionTo(ConnectionState.Active);
        }
    }

    /// <summary>
    /// Takes one frame of <paramref name="bytes"/> from the budget of the second the client's last
    /// frame arrived in (<see cref="Touch"/>, called first for every frame); false when over it.
    /// </summary>
    public bool TryConsumeRate(int bytes) => _rate.TryConsume(bytes, Volatile.Read(ref _lastClientFrameTicks) / TimeSpan.TicksPerSecond);

    /// <summary>Frames refused in the second of the client's last frame.</summary>
    public int RateStrikes => _rate.Refused;

    /// <summary>The sweep's schedule this connection is in while registered (<see cref="ConnectionRegistry"/>); null before and after.</summary>
    internal SweepWheel? Wheel
    {
        get => Volatile.Read(ref _wheel);
        set => Volatile.Write(ref _wheel, value);
    }

    /// <summary>For the sweep only: the second this connection is due to be visited in.</summary>
    internal long SweepSecond { get; set; }

    /// <summary>For the sweep only: the number of the last sweep that visited this connection.</summary>
    internal long LastSweep { get; set; }

    /// <summary>
    /// Called by the send pump before it first waits for a frame: from then on <see cref="Send"/>
    /// writes a frame itself when nothing is queued or being sent, and counts it in <paramref name="counters"/>.
    /// </summary>
    public void EnableDirectSends(SendCounters counters) => Volatile.Write(ref _counters, counters);

    /// <summary>The counters <see cref="EnableDirectSends"/> was given; null before.</summary>
    public SendCounters? Counters => Volatile.Read(ref _counters);

    /// <summary>Completes once the <see cref="SendPump"/> has sent the close, or given up on a failed socket.</summary>
    public Task WhenSendsFinished()
    {
        while (true)
        {
            var current = Volatile.Read(ref _sendsDone);
            if (current == SendsDone)
            {
                return Task.CompletedTask;
            }

            if (current is TaskCompletionSource waiting)
            {
                return waiting.Task;
            }

            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref _sendsDone, created, null) is null)
            {
                return created.Task;
            }
        }
    }

    /// <summary>For the <see cref="SendPump"/>: the close is sent (or the socket failed); nothing more will be written.</summary>
    public void SendsFinished() => (Interlocked.Exchange(ref _sendsDone, SendsDone) as TaskCompletionSource)?.TrySetResult();

    /// <summary>
    /// Sends a frame now if the socket is idle, else queues it. A queue that overflows (the client
    /// reads too slowly) closes the connection with 1013 instead of growing memory; the caller never
    /// waits for the socket: a write that cannot complete at once finishes in the background.
    /// </summary>
    /// <param name="frame">The frame.</param>
    /// <param name="mayWriteNow">
    /// False queues the frame even for an idle socket, for the send pump to write with whatever else
    /// queues behind it: for a sender that knows more frames are coming faster than it sends them.
    /// </param>
    public EnqueueOutcome Send(OutboundFrame frame, bool mayWriteNow = true)
    {
        var framesSent = mayWriteNow ? Volatile.Read(ref _counters)?.FramesSent : null;
        var sendNow = false;
        var outcome = framesSent is null ? Queue.TryEnqueue(frame) : Queue.TryEnqueue(frame, out sendNow);
        if (sendNow)
        {
            SendNow(frame, framesSent!);
        }

        return CloseOnOverflow(outcome);
    }

    /// <summary>
    /// Sends frames in order, as <see cref="Send"/> one after the other would, except that when the
    /// socket is idle they go out together in one write (up to <see cref="BatchBytes"/>; the rest
    /// queue behind it) instead of one send() each. For a batch of deliveries with several frames for
    /// one connection: the <c>user:joined</c> notices of a room's joins committed together reached each
    /// member in one send() per joiner, and those sends were most of the edges' CPU during joins.
    /// </summary>
    /// <returns>The frames' outcomes other than <see cref="EnqueueOutcome.Accepted"/>; null when every frame was accepted.</returns>
    public List<EnqueueOutcome>? SendAll(IReadOnlyList<OutboundFrame> frames)
    {
        var framesSent = Volatile.Read(ref _counters)?.FramesSent;
        if (frames.Count < 2 || framesSent is null || Transport is null)
        {
            return SendEach(frames, 0, mayWriteNow: true, refused: null);
        }

        var outcome = CloseOnOverflow(Queue.TryEnqueue(frames[0], out var sendNow));
        if (!sendNow)
        {
            // The socket is busy (or the queue refused the frame): the rest queues behind it for the pump.
            return SendEach(frames, 1, mayWriteNow: false, NotAccepted(null, outcome));
        }

        // This caller holds the send: nothing is read from the queue or written until EndSend, so what
        // queues meanwhile (the frames past the size bound too) goes out after these, in order. The
        // queue was empty, so none of its rules would have refused the frames written now.
        var size = WireOf(frames[0]).Length;
        var count = 1;
        while (count < frames.Count && size + WireOf(frames[count]).Length <= BatchBytes)
        {
            size += WireOf(frames[count]).Length;
            count++;
        }

        var refused = SendEach(frames, count, mayWriteNow: false, refused: null);
        SendNow(frames[0], framesSent, [.. frames.Take(count)], size);
        return refused;
    }

    private List<EnqueueOutcome>? SendEach(IReadOnlyList<OutboundFrame> frames, int from, bool mayWriteNow, List<EnqueueOutcome>? refused)
    {
        for (var i = from; i < frames.Count; i++)
        {
            refused = NotAccepted(refused, Send(frames[i], mayWriteNow));
        }

        return refused;
    }

    // Collects what SendAll returns; the close an overflow asks for is CloseOnOverflow's.
    private static List<EnqueueOutcome>? NotAccepted(List<EnqueueOutcome>? refused, EnqueueOutcome outcome)
    {
        if (outcome != EnqueueOutcome.Accepted)
        {
            (refused ??= []).Add(outcome);
        }

        return refused;
    }

    // A queue that overflows (the client reads too slowly) closes the connection with 1013 instead
    // of growing memory: for every frame offered to the queue, by Send and by SendAll alike.
    private EnqueueOutcome CloseOnOverflow(EnqueueOutcome outcome)
    {
        if (outcome == EnqueueOutcome.Overflow)
        {
            RequestClose(new CloseRequest(CloseCodes.TryAgainLater, "slow consumer: send queue full", Flush: false));
        }

        return outcome;
    }

    /// <summary>
    /// Writes one whole frame; the send pump and <see cref="Send"/> both write through here. Over the
    /// edge's own transport the frame's ready-made wire bytes go straight to the transport, shared
    /// by every recipient, not through the runtime's WebSocket, which would copy them into its own
    /// buffer behind a header and take its send lock for each recipient.
    /// </summary>
    public ValueTask WriteAsync(OutboundFrame frame) => frame.DeliverySpan is null ? WriteUntracedAsync(frame) : WriteTracedAsync(frame);

    private ValueTask WriteUntracedAsync(OutboundFrame frame) => Transport is { } transport
        ? transport.WriteFrameAsync(WireOf(frame))
        : _binaryFrames
        ? Socket.SendAsync(frame.EncodedAs(Codec.Encoding).Payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None)
        : Socket.SendAsync(frame.Payload, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private async ValueTask WriteTracedAsync(OutboundFrame frame)
    {
        using var span = SocketWriteSpans.Start(frame, Id);
        try
        {
            await WriteUntracedAsync(frame);
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>The client negotiated permessage-deflate.</summary>
    public bool Deflate => _deflater is not null;

    /// <summary>
    /// For the read loop, between two whole client messages: lets go of the WebSocket of an open
    /// connection over the edge's own transport, so an idle one holds none; the next message (or a
    /// close, or an abort) makes a new one on the same transport. A connection that is closing keeps
    /// its WebSocket, which carries the close handshake's state.
    /// </summary>
    public void ReleaseIdleSocket()
    {
        if (Transport is null || Close is not null || Volatile.Read(ref _socket) is not { State: WebSocketState.Open } socket
            || Interlocked.CompareExchange(ref _socket, null, socket) != socket)
        {
            return;
        }

        // A close requested meanwhile may already be on its way through this one: keep it.
        if (Close is not null)
        {
            Interlocked.CompareExchange(ref _socket, socket, null);
        }
    }

    private WebSocket CreateSocket()
    {
        var created = WebSocket.CreateFromStream(Transport!, Deflate ? DeflateSocket : PlainSocket);
        return Interlocked.CompareExchange(ref _socket, created, null) ?? created;
    }

    private static WebSocketCreationOptions SocketOptions(bool deflate) => new()
    {
        IsServer = true,
        // The sweep pings through the transport instead of a timer per socket.
        KeepAliveInterval = TimeSpan.Zero,
        // Inflates the client's compressed messages; what the edge sends it compresses itself.
        DangerousDeflateOptions = deflate ? PermessageDeflate.SocketOptions() : null,
    };

    // The JSON wire is the frame's own; another encoding's, and a compressed one, is made once per
    // frame, by the first connection that needs it.
    private ReadOnlyMemory<byte> WireOf(OutboundFrame frame) =>
        _deflater is { } deflater ? frame.DeflatedWire(Codec.Encoding, deflater)
        : _binaryFrames ? frame.EncodedAs(Codec.Encoding).Wire
        : frame.Wire;

    /// <summary>
    /// For the send pump: writes <paramref name="first"/>, just taken from the queue, together with
    /// the frames queued behind it, up to about <see cref="BatchBytes"/>, in one write. Frames queue
    /// only while the socket is slow to take them, so a client that fell behind gets its backlog in
    /// a few large sends instead of one send per frame. Returns how many frames were written.
    /// </summary>
    /// <remarks>
    /// Frames in a batch have left the queue, so, like a frame being written, they no longer count
    /// toward its watermarks and an urgent frame cannot overtake them: the bound keeps that small
    /// beside the watermarks (64 KB and up).
    /// </remarks>
    public async ValueTask<int> WriteQueuedAsync(OutboundFrame first)
    {
        var size = WireOf(first).Length;
        if (Transport is not { } transport || size >= BatchBytes || !TryReadQueued(out var next))
        {
            await WriteAsync(first);
            return 1;
        }

        List<OutboundFrame> batch = [first, next];
        size += WireOf(next).Length;
        while (size < BatchBytes && TryReadQueued(out next))
        {
            batch.Add(next);
            size += WireOf(next).Length;
        }

        await WriteBatchAsync(transport, batch, size);
        return batch.Count;
    }

    // The frames' wire bytes, <paramref name="size"/> in all, in one write.
    private async ValueTask WriteBatchAsync(WebSocketTransport transport, List<OutboundFrame> batch, int size)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var spans = SocketWriteSpans.Start(batch, Id);
        Exception? failure = null;
        try
        {
            var length = 0;
            foreach (var frame in batch)
            {
                var wire = WireOf(frame);
                wire.Span.CopyTo(buffer.AsSpan(length));
                length += wire.Length;
            }

            await transport.WriteFrameAsync(buffer.AsMemory(0, length));
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            SocketWriteSpans.Stop(spans, failure);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// For the sweep only (one thread): false the first time it sees this connection closing, which
    /// starts <paramref name="timeout"/> at <paramref name="now"/>; true once the timeout has passed.
    /// </summary>
    public bool CloseOverdue(DateTimeOffset now, TimeSpan timeout)
    {
        if (_closeDeadlineTicks == 0)
        {
            _closeDeadlineTicks = (now + timeout).UtcTicks;
            return false;
        }

        return now.UtcTicks >= _closeDeadlineTicks;
    }

    /// <summary>When the close timeout started by <see cref="CloseOverdue"/> ends; 0 before it started.</summary>
    internal long CloseDeadlineTicks => _closeDeadlineTicks;

    /// <summary>The first request wins; the send pump carries it out after the queue (or at once, without flush).</summary>
    public bool RequestClose(CloseRequest request)
    {
        if (Interlocked.CompareExchange(ref _close, request, null) is not null)
        {
            return false;
        }

        TransitionTo(ConnectionState.Closing);
        Queue.Complete();
        // The close timeout starts when the sweep first sees the close: at its next tick, not at
        // the connection's next scheduled visit.
        Wheel?.Wake(this);
        return true;
    }

    /// <summary>
    /// For the send pump: the next queued frame (<see cref="SendQueue.TryRead(out OutboundFrame)"/>);
    /// frames that expired while queued are counted as dropped as they are skipped.
    /// </summary>
    public bool TryReadQueued([NotNullWhen(true)] out OutboundFrame? frame)
    {
        var read = Queue.TryRead(out frame, out var expired);
        Volatile.Read(ref _counters)?.ExpiredWhileQueued(expired);
        return read;
    }

    // The queue handed this send to the caller and keeps the send pump asleep until EndSend. A
    // failed write ends the connection as a failed write in the send pump does.
    // A batch (SendAll) is written with one write of its wire bytes, <paramref name="size"/> in all.
    private void SendNow(OutboundFrame frame, Counter<long> framesSent, List<OutboundFrame>? batch = null, int size = 0)
    {
        var finishing = false;
        var frames = batch?.Count ?? 1;
        try
        {
            var write = batch is null ? WriteAsync(frame) : WriteBatchAsync(Transport!, batch, size);
            if (write.IsCompleted)
            {
                write.GetAwaiter().GetResult();
                framesSent.Add(frames);
            }
            else
            {
                finishing = true;
                _ = EndSendWhenWrittenAsync(write, frames, framesSent);
            }
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            WriteFailed();
        }
        finally
        {
            if (!finishing)
            {
                Queue.EndSend();
            }
        }
    }

    private async Task EndSendWhenWrittenAsync(ValueTask write, int frames, Counter<long> framesSent)
    {
        try
        {
            await write;
            framesSent.Add(frames);
        }
        catch (Exception ex) when (IsWriteFailure(ex))
        {
            WriteFailed();
        }
        finally
        {
            Queue.EndSend();
        }
    }

    // An aborted socket can also fail a write with OperationCanceledException.
    private static bool IsWriteFailure(Exception ex) =>
        ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException;

    private void WriteFailed()
    {
        RequestClose(new CloseRequest(CloseCodes.ServiceRestart, "send failed", Flush: false));
        Socket.Abort();
    }
}
