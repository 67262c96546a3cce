using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Suite.Room.Messaging;

/// <summary>
/// Protocol-v1 server frames in the edge's shape (services/edge/Protocol/ServerFrames.cs): type
/// first, then the fields, then timestamp (unix ms) and id last. Content is written unchanged.
/// </summary>
internal static class RoomFrames
{
    /// <summary><c>{"type":"user:joined"|"user:left","userId","roomId","timestamp","id"}</c></summary>
    public static string Membership(string type, string userId, string roomId, long timestamp, string id) =>
        Write(type, w =>
        {
            w.WriteString("userId"u8, userId);
            w.WriteString("roomId"u8, roomId);
        }, timestamp, id);

    /// <summary><c>{"type":"message","roomId","from","content","seq","timestamp","id"}</c></summary>
    /// <exception cref="JsonException"><paramref name="contentJson"/> is not one JSON value.</exception>
    public static string Message(string roomId, string from, string contentJson, ulong seq, long timestamp, string id) =>
        Write("message", w =>
        {
            w.WriteString("roomId"u8, roomId);
            w.WriteString("from"u8, from);
            w.WritePropertyName("content"u8);
            w.WriteRawValue(contentJson);
            w.WriteNumber("seq"u8, seq);
        }, timestamp, id);

    /// <summary><c>{"type":T,"channel","content","timestamp","id"}</c></summary>
    /// <exception cref="JsonException"><paramref name="contentJson"/> is not one JSON value.</exception>
    public static string Channel(string type, string channel, string contentJson, long timestamp, string id) =>
        Write(type, w =>
        {
            w.WriteString("channel"u8, channel);
            w.WritePropertyName("content"u8);
            w.WriteRawValue(contentJson);
        }, timestamp, id);

    public static string NewId() => Guid.NewGuid().ToString("N");

    private static string Write(string type, Action<Utf8JsonWriter> fields, long timestamp, string id)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, type);
            fields(w);
            w.WriteNumber("timestamp"u8, timestamp);
            w.WriteString("id"u8, id);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
