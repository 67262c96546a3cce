using System.Diagnostics.Metrics;
using Suite.Edge.Delivery;

namespace Suite.Edge.Connections;

/// <summary>
/// The edge's counters that a connection's sends report to: one instance per edge, one reference
/// per connection (<see cref="Connection.EnableDirectSends"/>), whatever the number of counters.
/// </summary>
public sealed class SendCounters(Counter<long> framesSent, Counter<long> framesDropped)
{
    private static readonly KeyValuePair<string, object?> Expired = new("reason", nameof(EnqueueOutcome.Expired));

    /// <summary>Frames written to the socket.</summary>
    public Counter<long> FramesSent { get; } = framesSent;

    /// <summary>
    /// Frames the send pump skipped because they expired while queued: dropped like the frames the
    /// queue refused as already expired (<see cref="EnqueueOutcome.Expired"/>), which the fan-out counts.
    /// </summary>
    public void ExpiredWhileQueued(int frames)
    {
        if (frames > 0)
        {
            framesDropped.Add(frames, Expired);
        }
    }
}
