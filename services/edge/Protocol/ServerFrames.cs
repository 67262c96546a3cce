using System.Text.Json;
using Suite.Edge.Delivery;

namespace Suite.Edge.Protocol;

// Frames that answer one client frame (error, pong, and the joined/left/subscribed/unsubscribed
// acknowledgements) carry that frame's `id` as `ref` when the client sent one, so a client can tell
// which request succeeded or failed without waiting for room-wide events. Frames of events that
// travel through an edge topic (message, direct, user:joined, user:left, channel publications,
// notifications) are not written here: they arrive as a structured ServerMessage, which
// Protocol/DeliveredFrame renders once per delivery.
/// <summary>
/// Encodes the protocol v1 (JSON) server frames this edge originates. Every frame is one JSON object
/// with <c>type</c> first, and carries a unique <c>id</c> and a <c>timestamp</c> (unix ms).
/// </summary>
public sealed class ServerFrames(TimeProvider timeProvider)
{
    private readonly FrameIdGenerator _ids = new();

    /// <summary>A new id and the current time, for an event published to other edges (a direct message).</summary>
    public FrameStamp NewStamp() => new(_ids.Next(), Now());

    /// <summary><c>{"type":"auth:ok","userId","connectionId","heartbeatIntervalMs"?,"tokenExpiresAt"?,"timestamp","id"}</c></summary>
    /// <param name="tokenExpiresAt">When the token runs out, so the client can send a fresh <c>auth</c> before it does.</param>
    public OutboundFrame AuthOk(string userId, string connectionId, TimeSpan? heartbeatInterval = null, DateTimeOffset? tokenExpiresAt = null)
    {
        var (frame, w) = Begin(ServerMessageTypes.AuthOk);
        w.WriteString("userId"u8, userId);
        w.WriteString("connectionId"u8, connectionId);
        if (heartbeatInterval is { } interval)
        {
            w.WriteNumber("heartbeatIntervalMs"u8, (long)interval.TotalMilliseconds);
        }

        if (tokenExpiresAt is { } expires)
        {
            w.WriteNumber("tokenExpiresAt"u8, expires.ToUnixTimeMilliseconds());
        }

        return End(frame, ServerMessageTypes.AuthOk);
    }

    /// <summary><c>{"type":"auth:fail","reason","timestamp","id"}</c>; the connection closes with 4001 after it.</summary>
    public OutboundFrame AuthFail(string reason)
    {
        var (frame, w) = Begin(ServerMessageTypes.AuthFail);
        w.WriteString("reason"u8, reason);
        return End(frame, ServerMessageTypes.AuthFail);
    }

    /// <summary><c>{"type":"pong","ts","ref"?,"timestamp","id"}</c>; <c>ts</c> is the server's clock in unix ms.</summary>
    public OutboundFrame Pong(string? reference = null)
    {
        var now = Now();
        var (frame, w) = Begin(ServerMessageTypes.Pong);
        w.WriteNumber("ts"u8, now);
        WriteRef(w, reference);
        return End(frame, ServerMessageTypes.Pong, now: now);
    }

    /// <summary><c>{"type":"error","code","message","ref"?,"retryAfterMs"?,"timestamp","id"}</c>; the connection stays open.</summary>
    public OutboundFrame Error(ProtocolError error, string? reference = null, TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Error(error.Code, error.Message, reference, retryAfter);
    }

    /// <inheritdoc cref="Error(ProtocolError, string?, TimeSpan?)"/>
    public OutboundFrame Error(string code, string message, string? reference = null, TimeSpan? retryAfter = null)
    {
        var (frame, w) = Begin(ServerMessageTypes.Error);
        w.WriteString("code"u8, code);
        w.WriteString("message"u8, message);
        WriteRef(w, reference);
        if (retryAfter is { } after)
        {
            w.WriteNumber("retryAfterMs"u8, (long)after.TotalMilliseconds);
        }

        return End(frame, ServerMessageTypes.Error);
    }

    // Urgent so it overtakes queued frames: during a drain it is the one frame a client must get.
    /// <summary><c>{"type":"reconnect","reason","retryAfterMs","timestamp","id"}</c>, sent before a close with 1012.</summary>
    public OutboundFrame Reconnect(string reason, TimeSpan retryAfter)
    {
        var (frame, w) = Begin(ServerMessageTypes.Reconnect);
        w.WriteString("reason"u8, reason);
        w.WriteNumber("retryAfterMs"u8, (long)retryAfter.TotalMilliseconds);
        return End(frame, ServerMessageTypes.Reconnect, urgent: true);
    }

    /// <summary>
    /// <c>{"type":"joined","roomId","seq"?,"epoch"?,"recovered"?,"missed"?,"ref"?,"timestamp","id"}</c>: this
    /// connection is now a member; messages to the room are accepted. <c>seq</c>/<c>epoch</c> are the
    /// room's position; <c>recovered</c>/<c>missed</c> answer a join with <c>since</c>.
    /// </summary>
    public OutboundFrame Joined(string roomId, string? reference = null, RoomPosition? position = null, ResumeAnswer? resume = null)
    {
        var (frame, w) = Begin(ServerMessageTypes.Joined);
        w.WriteString("roomId"u8, roomId);
        if (position is { } p)
        {
            w.WriteNumber("seq"u8, p.Seq);
            w.WriteString("epoch"u8, p.Epoch);
        }

        if (resume is { } r)
        {
            w.WriteBoolean("recovered"u8, r.Recovered);
            if (r.Recovered)
            {
                w.WriteNumber("missed"u8, r.Missed);
            }
        }

        WriteRef(w, reference);
        return End(frame, ServerMessageTypes.Joined);
    }

    /// <summary>
    /// <c>{"type":"history","roomId","messages":[...],"seq","epoch","ref"?,"timestamp","id"}</c>: each entry
    /// is a room message exactly as its <c>message</c> frame (already rendered), oldest first.
    /// </summary>
    public OutboundFrame History(string roomId, IEnumerable<ReadOnlyMemory<byte>> messages, RoomPosition position, string? reference = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (frame, w) = Begin(ServerMessageTypes.History);
        w.WriteString("roomId"u8, roomId);
        w.WriteStartArray("messages"u8);
        foreach (var message in messages)
        {
            w.WriteRawValue(message.Span, skipInputValidation: true);
        }

        w.WriteEndArray();
        w.WriteNumber("seq"u8, position.Seq);
        w.WriteString("epoch"u8, position.Epoch);
        WriteRef(w, reference);
        return End(frame, ServerMessageTypes.History);
    }

    /// <summary><c>{"type":"left","roomId","ref"?,"timestamp","id"}</c>; also sent for a room the connection was not in, as leaving is idempotent.</summary>
    public OutboundFrame Left(string roomId, string? reference = null) =>
        Acknowledgement(ServerMessageTypes.Left, "roomId"u8, roomId, reference);

    /// <summary><c>{"type":"subscribed","channel","ref"?,"timestamp","id"}</c>: publications on the channel follow from now on.</summary>
    public OutboundFrame Subscribed(string channel, string? reference = null) =>
        Acknowledgement(ServerMessageTypes.Subscribed, "channel"u8, channel, reference);

    /// <summary><c>{"type":"unsubscribed","channel","ref"?,"timestamp","id"}</c>; idempotent like <see cref="Left"/>.</summary>
    public OutboundFrame Unsubscribed(string channel, string? reference = null) =>
        Acknowledgement(ServerMessageTypes.Unsubscribed, "channel"u8, channel, reference);

    private OutboundFrame Acknowledgement(string type, ReadOnlySpan<byte> name, string value, string? reference)
    {
        var (frame, w) = Begin(type);
        w.WriteString(name, value);
        WriteRef(w, reference);
        return End(frame, type);
    }

    private static (FrameBuffer Frame, Utf8JsonWriter Writer) Begin(string type)
    {
        var frame = FrameBuffer.Rent();
        var w = frame.Writer;
        w.WriteStartObject();
        w.WriteString("type"u8, type);
        return (frame, w);
    }

    private OutboundFrame End(FrameBuffer frame, string type, long? now = null, bool urgent = false)
    {
        var w = frame.Writer;
        WriteStamp(w, now);
        w.WriteEndObject();
        return new OutboundFrame(frame.ToPayload(), type, Urgent: urgent);
    }

    // Written straight from bytes, without an id string.
    private void WriteStamp(Utf8JsonWriter w, long? now)
    {
        Span<byte> id = stackalloc byte[FrameIdGenerator.Length];
        _ids.Write(id);
        w.WriteNumber("timestamp"u8, now ?? Now());
        w.WriteString("id"u8, id);
    }

    private static void WriteRef(Utf8JsonWriter w, string? reference)
    {
        if (reference is not null)
        {
            w.WriteString("ref"u8, reference);
        }
    }

    private long Now() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
}
