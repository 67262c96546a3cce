using Suite.Edge.Connections;

namespace Suite.Edge.Delivery;

/// <summary>
/// The frames one batch of deliveries (one event, <see cref="Suite.Contracts.Edge.V1.EdgeDelivery.Batch"/>)
/// has for each connection, sent once the whole batch is expanded: each connection gets its frames in
/// order in one write (<see cref="Connection.SendAll"/>) instead of one send() per frame. For the
/// dispatching thread only.
/// </summary>
internal sealed class BatchSends
{
    private readonly Dictionary<Connection, List<OutboundFrame>> _frames = [];

    public void Add(Connection connection, OutboundFrame frame)
    {
        if (!_frames.TryGetValue(connection, out var frames))
        {
            _frames[connection] = frames = new List<OutboundFrame>(4);
        }

        frames.Add(frame);
    }

    /// <summary>Sends what is held for <paramref name="connection"/> now, before a frame that takes another way to it.</summary>
    public void Flush(Connection connection, Action<EnqueueOutcome> refused)
    {
        if (_frames.Remove(connection, out var frames))
        {
            Send(connection, frames, refused);
        }
    }

    /// <summary>Sends what is held for every connection.</summary>
    public void FlushAll(Action<EnqueueOutcome> refused)
    {
        foreach (var (connection, frames) in _frames)
        {
            Send(connection, frames, refused);
        }

        _frames.Clear();
    }

    // refused only counts: the connection already closed itself if its queue overflowed.
    private static void Send(Connection connection, List<OutboundFrame> frames, Action<EnqueueOutcome> refused)
    {
        if (connection.SendAll(frames) is { } outcomes)
        {
            outcomes.ForEach(refused);
        }
    }
}
