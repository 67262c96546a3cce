using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Suite.Notification.Intake;

/// <summary>
/// An event's <c>payload.content</c> as compact JSON text (no insignificant whitespace): the
/// <c>content_json</c> of its deliveries, checked to be one JSON value here so an edge never has to drop it.
/// </summary>
public static class CompactJson
{
    /// <exception cref="JsonException">Not exactly one JSON value.</exception>
    public static string From(string json)
    {
        using var document = JsonDocument.Parse(json);
        return From(document.RootElement);
    }

    public static string From(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(w);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
