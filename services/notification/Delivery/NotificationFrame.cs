using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Suite.Notification.Delivery;

/// <summary>
/// The protocol-v1 frame clients receive, built once per event:
/// <c>{"type","channel"?,"content","timestamp","id"}</c>, type first and timestamp and id last as
/// in every server frame, with the content's JSON copied in unchanged.
/// </summary>
public static class NotificationFrame
{
    public static string Build(string type, string? channel, string contentJson, long timestampMs, string id)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + contentJson.Length);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, type);
            if (channel is not null)
            {
                w.WriteString("channel"u8, channel);
            }

            w.WritePropertyName("content"u8);
            w.WriteRawValue(contentJson, skipInputValidation: true);
            w.WriteNumber("timestamp"u8, timestampMs);
            w.WriteString("id"u8, id);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Any JSON text as compact JSON (no insignificant whitespace), for the frame's <c>content</c>.</summary>
    public static string Compact(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Compact(document.RootElement);
    }

    public static string Compact(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
