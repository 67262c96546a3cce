using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;

namespace Suite.Contracts.Edge.V1;

/// <summary>
/// The one writer of the protocol-v1 JSON frame of a <see cref="ServerMessage"/>: the edge renders
/// each delivery with it once and shares the bytes, and room renders stored history with it, so a
/// frame has one shape wherever it is written. Field order and omissions are documented on
/// <c>ServerMessage</c> in edge.proto.
/// </summary>
public static class ServerMessageJson
{
    // Frames go to JSON parsers, never into HTML, so HTML-sensitive characters and non-ASCII text
    // stay as they are; the default encoder would inflate every non-Latin chat message sixfold.
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>True when the message carries its frame in the legacy <c>json</c> field, to be sent verbatim.</summary>
    public static bool IsLegacy(ServerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Json.Length > 0;
    }

    /// <summary>Writes the frame of a structured message (the legacy <c>json</c> field is not looked at).</summary>
    /// <exception cref="InvalidDataException">No type, id or timestamp, or content that is not exactly one JSON value; the writer is then left mid-object.</exception>
    public static void Write(ServerMessage message, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        if (message.Type.Length == 0 || message.Id.Length == 0 || message.Timestamp is null)
        {
            throw new InvalidDataException($"the message has no {(message.Type.Length == 0 ? "type" : message.Id.Length == 0 ? "id" : "timestamp")}");
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, message.Type);
        WriteIfSet(writer, "userId"u8, message.UserId);
        WriteIfSet(writer, "roomId"u8, message.RoomId);
        WriteIfSet(writer, "from"u8, message.From);
        WriteIfSet(writer, "channel"u8, message.Channel);
        if (!message.ContentJson.IsEmpty)
        {
            writer.WritePropertyName("content"u8);
            try
            {
                writer.WriteRawValue(message.ContentJson.Span);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"content_json is not one JSON value: {ex.Message}", ex);
            }
        }

        if (message.Ids.Count > 0)
        {
            writer.WriteStartArray("ids"u8);
            foreach (var id in message.Ids)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
        }

        if (message.Seq > 0)
        {
            writer.WriteNumber("seq"u8, message.Seq);
        }

        if (message.Ack)
        {
            writer.WriteBoolean("ack"u8, true);
        }

        writer.WriteNumber("timestamp"u8, UnixMilliseconds(message.Timestamp));
        writer.WriteString("id"u8, message.Id);
        writer.WriteEndObject();
    }

    /// <summary>The frame as UTF-8: the legacy <c>json</c> verbatim when set, else rendered from the fields.</summary>
    /// <exception cref="InvalidDataException">See <see cref="Write"/>.</exception>
    public static byte[] ToUtf8(ServerMessage message)
    {
        if (IsLegacy(message))
        {
            return Encoding.UTF8.GetBytes(message.Json);
        }

        var buffer = new ArrayBufferWriter<byte>(128 + message.ContentJson.Length);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(message, writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc cref="ToUtf8"/>
    public static string ToJson(ServerMessage message) => Encoding.UTF8.GetString(ToUtf8(message));

    // Truncated like DateTimeOffset.ToUnixTimeMilliseconds, which the publishers' clocks went through.
    private static long UnixMilliseconds(Timestamp timestamp) => (timestamp.Seconds * 1000) + (timestamp.Nanos / 1_000_000);

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string value)
    {
        if (value.Length > 0)
        {
            writer.WriteString(name, value);
        }
    }
}
