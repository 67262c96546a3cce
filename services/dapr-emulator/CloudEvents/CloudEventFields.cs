using System.Text.Json;

namespace Suite.DaprEmulator.CloudEvents;

/// <summary>
/// The top-level string attributes of a delivered CloudEvent that the subscriber side needs
/// (expiry, routing, tracing), read with one forward scan instead of a parsed document.
/// </summary>
public sealed class CloudEventFields
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>Null when the bytes are not a JSON object (e.g. a raw payload).</summary>
    public static CloudEventFields? TryRead(ReadOnlySpan<byte> json)
    {
        var fields = new CloudEventFields();
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    fields._values[name] = reader.GetString()!;
                }
                else
                {
                    reader.Skip();
                }
            }

            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool HasExpired(DateTimeOffset now) =>
        this["expiration"] is { } expiration
        && DateTimeOffset.TryParse(expiration, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
        && at <= now;
}
