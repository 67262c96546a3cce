using System.Text.Json;

namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>
/// Reads what contrib uses as <c>Nats-Msg-Id</c>: the string <c>id</c> of a JSON object payload. Raw payloads
/// that are not such an object get no id, hence no de-duplication, as in daprd.
/// </summary>
internal static class CloudEventId
{
    public static string? TryRead(ReadOnlyMemory<byte> data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String
                && id.GetString() is { Length: > 0 } value
                    ? value
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
