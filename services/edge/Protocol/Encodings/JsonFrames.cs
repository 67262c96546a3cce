using System.Globalization;
using System.Text.Json;

namespace Suite.Edge.Protocol.Encodings;

// Reading the JSON rendering of a server frame, which the binary codecs write field for field.
internal static class JsonFrames
{
    // Rendered by the edge itself: a message's content may use the client's whole nesting allowance,
    // and a history frame nests messages two levels deeper.
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = 4 * ContentJson.MaxDepth };

    public static int PropertyCount(JsonElement value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }

        return count;
    }

    // A number beyond double's range is valid JSON; as a double it becomes an infinity.
    public static double Double(JsonElement value) =>
        value.TryGetDouble(out var number) ? number : double.Parse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
}
