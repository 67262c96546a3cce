using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Suite.Edge.Connections;
using Suite.Edge.Protocol;
using Suite.Edge.Protocol.Encodings;

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
    // The binary renderings (index: encoding - 1), each made by the first recipient that speaks it.
    // JSON-only edges never allocate the array.
    private EncodedFrame?[]? _encoded;

    // The wire bytes for permessage-deflate recipients (index: encoding), made by the first one that
    // speaks the encoding. Edges without deflate clients never allocate the array.
    private StrongBox<ReadOnlyMemory<byte>>?[]? _deflated;

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

    /// <summary>
    /// The frame in a binary <paramref name="encoding"/>, rendered from <see cref="Payload"/> on the
    /// first call for that encoding and shared by every later recipient that speaks it: once per
    /// delivery per encoding in use, never per recipient. Thread-safe; two first calls at once may
    /// both render, and one result is kept for everyone.
    /// </summary>
    public EncodedFrame EncodedAs(FrameEncoding encoding)
    {
        var index = (int)encoding - 1;
        var slots = Volatile.Read(ref _encoded) ?? Interlocked.CompareExchange(ref _encoded, new EncodedFrame?[3], null) ?? _encoded!;
        return Volatile.Read(ref slots[index]) ?? Interlocked.CompareExchange(ref slots[index], Render(encoding), null) ?? slots[index]!;
    }

    /// <summary>
    /// The frame's wire bytes in <paramref name="encoding"/> for a client that negotiated
    /// permessage-deflate: compressed (RSV1 set) once per delivery per encoding and shared by every
    /// such recipient, or the uncompressed wire when <paramref name="deflater"/> leaves the message
    /// as it is (small, or incompressible). Thread-safe like <see cref="EncodedAs"/>.
    /// </summary>
    public ReadOnlyMemory<byte> DeflatedWire(FrameEncoding encoding, FrameDeflater deflater)
    {
        var index = (int)encoding;
        var slots = Volatile.Read(ref _deflated) ?? Interlocked.CompareExchange(ref _deflated, new StrongBox<ReadOnlyMemory<byte>>?[4], null) ?? _deflated!;
        var made = Volatile.Read(ref slots[index]) ?? Interlocked.CompareExchange(ref slots[index], Deflate(encoding, deflater), null) ?? slots[index]!;
        return made.Value;
    }

    private StrongBox<ReadOnlyMemory<byte>> Deflate(FrameEncoding encoding, FrameDeflater deflater)
    {
        var text = encoding == FrameEncoding.Json;
        var (payload, wire) = text ? (Payload, Wire) : (EncodedAs(encoding).Payload, EncodedAs(encoding).Wire);
        return new StrongBox<ReadOnlyMemory<byte>>(deflater.Compress(payload.Span, text) is { } compressed ? compressed : wire);
    }

    private EncodedFrame Render(FrameEncoding encoding)
    {
        var codec = FrameCodecs.For(encoding);
        byte[] payload;
        try
        {
            payload = codec.WriteServerFrame(Payload);
        }
        catch (JsonException)
        {
            // Only a legacy frame, which JSON clients get verbatim, can be malformed; a binary client
            // is told that it missed one rather than getting bytes it cannot read.
            payload = codec.WriteServerFrame(UnrenderableFrame(Type));
        }

        return new EncodedFrame(payload, WebSocketFrames.Binary(payload));
    }

    private static readonly FrameIdGenerator UnrenderableIds = new();

    private static byte[] UnrenderableFrame(string type) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["type"] = ServerMessageTypes.Error,
        ["code"] = ErrorCodes.Internal,
        ["message"] = $"a '{type}' frame could not be rendered in this encoding",
        ["timestamp"] = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds(),
        ["id"] = UnrenderableIds.Next(),
    });
}
