using System.Net.WebSockets;
using System.Threading.RateLimiting;
using Suite.Edge.Delivery;

namespace Suite.Edge.Connections;

/// <summary>
/// One client connection: its socket, its send queue, who it is once authenticated, and its
/// limits. Fan-out threads call <see cref="Send"/>; only the connection's own loops touch the socket.
/// </summary>
public sealed class Connection
{
    private readonly TokenBucketRateLimiter _messages;
    private readonly TokenBucketRateLimiter _bytes;
    private readonly int _bytesPerSecond;
    private int _state;
    private long _lastClientFrameTicks;
    private int _rateStrikes;
    private CloseRequest? _close;
    private long _sequence;

    public Connection(string id, WebSocket socket, SendQueue queue, ConnectionOptions options, DateTimeOffset now)
    {
        Id = id;
        Socket = socket;
        Queue = queue;
        ConnectedAt = now;
        _lastClientFrameTicks = now.UtcTicks;
        _bytesPerSecond = options.BytesPerSecond;
        // Replenished by the sweeper's one-second tick rather than a timer per limiter: one timer
        // for the whole edge instead of two per connection.
        _messages = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.MessagesPerSecond,
            TokensPerPeriod = options.MessagesPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        });
        _bytes = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.BytesPerSecond,
            TokensPerPeriod = options.BytesPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        });
    }

    public string Id { get; }

    public WebSocket Socket { get; }

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

    /// <summary>Takes one frame of <paramref name="bytes"/> from the rate budget; false when over it.</summary>
    public bool TryConsumeRate(int bytes)
    {
        using var message = _messages.AttemptAcquire(1);
        // A frame larger than a whole second's budget costs the whole budget rather than never passing.
        using var volume = message.IsAcquired ? _bytes.AttemptAcquire(Math.Min(bytes, _bytesPerSecond)) : null;
        if (volume?.IsAcquired == true)
        {
            return true;
        }

        Interlocked.Increment(ref _rateStrikes);
        return false;
    }

    /// <summary>Refused frames since the last tick.</summary>
    public int RateStrikes => Volatile.Read(ref _rateStrikes);

    /// <summary>The one-second tick: refill the budgets and forget old strikes.</summary>
    public void ReplenishRate()
    {
        _messages.TryReplenish();
        _bytes.TryReplenish();
        Volatile.Write(ref _rateStrikes, 0);
    }

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
