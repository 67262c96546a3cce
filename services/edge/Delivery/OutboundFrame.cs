using System.Diagnostics;
using Suite.Edge.Connections;

namespace Suite.Edge.Delivery;

/// <summary>
/// One server message, encoded once and shared by every connection it goes to: a broadcast hands
/// the same instance to each send queue, so the payload is never copied or framed per connection.
/// </summary>
/// <param name="Payload">The message as the client reads it (UTF-8 JSON for protocol v1).</param>
/// <param name="Type">The frame's <c>type</c>, for metrics and for what may be dropped.</param>
/// <param name="DroppableKey">Non-null = droppable: under backpressure only the latest frame per key is kept, and droppable frames go first.</param>
/// <param name="Urgent">High priority: queued ahead of normal frames and never dropped for backpressure unless droppable.</param>
/// <param name="ExpiresAt">Dropped instead of sent once past this instant.</param>
public sealed record OutboundFrame(
    ReadOnlyMemory<byte> Payload,
    string Type,
    string? DroppableKey = null,
    bool Urgent = false,
    DateTimeOffset? ExpiresAt = null)
{
    /// <summary>
    /// <see cref="Payload"/> as one WebSocket text frame, header included, built with the frame: the
    /// edge's own transport writes these bytes as they are to every recipient. Derived from the
    /// constructor's payload, so a copy made with <c>with { Payload = ... }</c> would keep the old
    /// one: build a new frame instead.
    /// </summary>
    public ReadOnlyMemory<byte> Wire { get; } = WebSocketFrames.Text(Payload.Span);

    /// <summary>
    /// The recorded span of the delivery this frame carries, parent of each recipient's socket-write
    /// span (<see cref="SocketWriteSpans"/>); null when nothing records traces, so an untraced frame
    /// costs its writers one null check.
    /// </summary>
    public Activity? DeliverySpan { get; init; }
}
