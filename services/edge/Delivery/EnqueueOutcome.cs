namespace Suite.Edge.Delivery;

/// <summary>What <see cref="SendQueue.TryEnqueue"/> did with a frame.</summary>
public enum EnqueueOutcome
{
    /// <summary>Queued.</summary>
    Accepted,

    /// <summary>Replaced a still-queued frame with the same <see cref="OutboundFrame.DroppableKey"/>, in that frame's place.</summary>
    Coalesced,

    /// <summary>A droppable frame refused because the queue is congested (above the high watermark, not yet back under the low one) or full.</summary>
    Dropped,

    /// <summary>The frame's <see cref="OutboundFrame.ExpiresAt"/> had already passed.</summary>
    Expired,

    /// <summary>
    /// The client is too slow: the queue hit its hard limit, or stayed congested past the grace period.
    /// The queue has discarded its frames and closed; the caller that receives this (exactly one does)
    /// closes the connection with <c>CloseCodes.TryAgainLater</c> (1013).
    /// </summary>
    Overflow,

    /// <summary>The queue was completed, aborted or overflowed earlier; nothing more is accepted.</summary>
    Closed,
}
