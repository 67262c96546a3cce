namespace Suite.Edge.Delivery;

/// <summary>
/// One server message, encoded once and shared by every connection it goes to: a broadcast hands
/// the same instance to each send queue, so the payload is never copied per connection.
/// </summary>
/// <param name="Payload">The complete frame as sent on the wire (UTF-8 JSON for protocol v1).</param>
/// <param name="Type">The frame's <c>type</c>, for metrics and for what may be dropped.</param>
/// <param name="DroppableKey">Non-null = droppable: under backpressure only the latest frame per key is kept, and droppable frames go first.</param>
/// <param name="Urgent">High priority: queued ahead of normal frames and never dropped for backpressure unless droppable.</param>
/// <param name="ExpiresAt">Dropped instead of sent once past this instant.</param>
public sealed record OutboundFrame(
    ReadOnlyMemory<byte> Payload,
    string Type,
    string? DroppableKey = null,
    bool Urgent = false,
    DateTimeOffset? ExpiresAt = null);
