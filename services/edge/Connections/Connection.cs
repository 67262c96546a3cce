using System.Net.WebSockets;
using Suite.Edge.Delivery;
using Suite.Edge.Limits;

namespace Suite.Edge.Connections;

/// <summary>
/// One client connection: its socket, its send queue, who it is once authenticated, and its
/// limits. Fan-out threads call <see cref="Send"/>; only the connection's own loops touch the socket.
/// </summary>
public sealed class Connection
{
    private RateBudget _rate;
    private int _state;
    private long _lastClientFrameTicks;
    private CloseRequest? _close;
    private long _sequence;

    public Connection(string id, WebSocket socket, SendQueue queue, ConnectionOptions options, DateTimeOffset now, WebSocketTransport? transport = null)
    {
        Id = id;
        Socket = socket;
        Transport = transport;
        Queue = queue;
        ConnectedAt = now;
        _lastClientFrameTicks = now.UtcTicks;
        _rate = new RateBudget(options.MessagesPerSecond, options.BytesPerSecond);
    }

    public string Id { get; }

    public WebSocket Socket { get; }

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

    public void Authenticate(ClientIdentity identity) => Identity = identity;

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

    /// <summary>Takes one frame of <paramref name="bytes"/> from this second's budget; false when over it.</summary>
    public bool TryConsumeRate(int bytes) => _rate.TryConsume(bytes);

    /// <summary>Refused frames since the last tick.</summary>
    public int RateStrikes => _rate.Refused;

    /// <summary>The one-second tick: refill the budget and forget old strikes.</summary>
    public void ReplenishRate() => _rate.Refill();

    /// <summary>
    /// Queues a frame. A queue that overflows (the client reads too slowly) closes the connection
    /// with 1013 instead of growing memory; the caller never waits for the socket.
    /// </summary>
    public EnqueueOutcome Send(OutboundFrame frame)
    {
        var outcome = Queue.TryEnqueue(frame);
        if (outcome == EnqueueOutcome.Overflow)
        {
            RequestClose(new CloseRequest(CloseCodes.TryAgainLater, "slow consumer: send queue full", Flush: false));
        }

        return outcome;
    }

    /// <summary>The first request wins; the send loop carries it out after the queue (or at once, without flush).</summary>
    public bool RequestClose(CloseRequest request)
    {
        if (Interlocked.CompareExchange(ref _close, request, null) is not null)
        {
            return false;
        }

        TransitionTo(ConnectionState.Closing);
        Queue.Complete();
        return true;
    }
}
