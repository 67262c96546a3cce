using System.Text.Json;
using Google.Protobuf;
using Suite.Contracts.Notification.V1;

namespace Suite.Notification.Intake;

/// <summary>Reads a <c>notifications</c> event as the README documents it: the proto3 JSON mapping, strictly.</summary>
public static class NotificationIntake
{
    // Unknown fields are errors (the default), so a misspelt "filter" cannot widen the audience.
    private static readonly JsonParser StrictParser = new(JsonParser.Settings.Default);

    /// <summary>The event and its payload.content as compact JSON text, or why the document is unusable.</summary>
    public static (NotificationEvent? Event, string? ContentJson, ValidationError? Error) Parse(string json)
    {
        NotificationEvent evt;
        try
        {
            evt = StrictParser.Parse<NotificationEvent>(json);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or JsonException or FormatException or ArgumentException)
        {
            return (null, null, Classify(e.Message));
        }

        // payload.content from the document itself rather than re-formatted from the parsed Value, so
        // numbers beyond double precision reach clients exactly as the publisher wrote them.
        string? content = null;
        using (var document = JsonDocument.Parse(json))
        {
            if (document.RootElement.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object
                && payload.TryGetProperty("content", out var value))
            {
                content = CompactJson.From(value);
            }
        }

        return (evt, content, null);
    }

    private static ValidationError Classify(string message)
    {
        if (message.Contains("oneof", StringComparison.OrdinalIgnoreCase))
        {
            return new("two_targets", "", "exactly one target is allowed: users, room, channel or everyone (" + message + ")");
        }

        if (message.StartsWith("Unknown field", StringComparison.OrdinalIgnoreCase))
        {
            return new("unknown_field", "", message);
        }

        return new("malformed", "", message);
    }
}
