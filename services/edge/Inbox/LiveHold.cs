using Suite.Edge.Connections;
using Suite.Edge.Delivery;

namespace Suite.Edge.Inbox;

/// <summary>
/// Holds a connection's live deliveries while its inbox is fetched, so the client sees <c>auth:ok</c>,
/// then its pending inbox items oldest first, then live frames in the order they arrived.
/// </summary>
/// <remarks>
/// The connection enters the local index before <c>auth:ok</c> (so it misses nothing published after
/// presence learnt of it), which lets live frames reach it while the inbox call is still out. They wait
/// here, bounded: past <see cref="MaxHeld"/> frames the hold ends early and the inbox items follow the
/// live frames instead, rather than keeping an unbounded list outside the send queue's watermarks.
/// Only connections that are fetching have one (<see cref="Connection.LiveHold"/>), so the fan-out pays
/// a null check for everyone else.
/// </remarks>
public sealed class LiveHold
{
    /// <summary>Live frames held at most; beyond it they are released and sent as they come.</summary>
    public const int MaxHeld = 1024;

    private readonly Lock _lock = new();
    private List<OutboundFrame>? _held = [];

    /// <summary>Frames held now (0 once released).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _held?.Count ?? 0;
            }
        }
    }

    /// <summary>The fan-out's path while the hold lasts: held, or sent once it has ended.</summary>
    public EnqueueOutcome Offer(Connection connection, OutboundFrame frame, bool mayWriteNow = true)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_lock)
        {
            if (_held is { } held)
            {
                if (held.Count < MaxHeld)
                {
                    held.Add(frame);
                    return EnqueueOutcome.Accepted;
                }

                ReleaseHeld(connection);
            }
        }

        return connection.Send(frame, mayWriteNow);
    }

    /// <summary>Sends what was held, in arrival order, and ends the hold; later frames go straight to the connection.</summary>
    public void Release(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        lock (_lock)
        {
            ReleaseHeld(connection);
        }
    }

    private void ReleaseHeld(Connection connection)
    {
        foreach (var frame in _held ?? [])
        {
            connection.Send(frame);
        }

        _held = null;
    }
}
