using System.Text.Json;
using Google.Protobuf;
using Suite.Contracts.Notification.V1;

namespace Suite.Notifications.Client;

/// <summary>
/// An event the notification service refused, as published to <c>notifications.deadletter</c>
/// (<see cref="NotificationTopics.DeadLetter"/>): why, and the event exactly as it arrived.
/// </summary>
/// <param name="Reason">The intake's reason: <c>code: field: message</c>, or <c>code: message</c>.</param>
/// <param name="Data">The CloudEvent data as received (not necessarily valid JSON: "malformed" is a reason).</param>
/// <param name="EventId">The rejected CloudEvent's <c>id</c>.</param>
/// <param name="EventSource">The rejected CloudEvent's <c>source</c> (the publishing app).</param>
/// <param name="ReceivedAt">When the service refused it.</param>
public sealed record NotificationDeadLetter(string Reason, string Data, string EventId, string EventSource, DateTimeOffset? ReceivedAt)
{
    // Unknown fields are ignored: a newer service may add some, and a consumer must keep reading.
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The reason's code (<c>invalid_ack</c>, <c>unknown_field</c>, ...), the same as <see cref="NotificationValidationException.Code"/>.</summary>
    public string Code => Reason.Split(':', 2)[0].Trim();

    /// <summary>The data as JSON, or null when it was not JSON.</summary>
    public JsonElement? DataJson
    {
        get
        {
            try
            {
                using var document = JsonDocument.Parse(Data);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>A dead letter from its JSON (the data of a <c>notifications.deadletter</c> CloudEvent).</summary>
    /// <exception cref="FormatException">Not a dead letter.</exception>
    public static NotificationDeadLetter Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        DeadLetter proto;
        try
        {
            proto = Parser.Parse<DeadLetter>(json);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            throw new FormatException($"not a notifications dead letter: {e.Message}", e);
        }

        if (proto.Reason.Length == 0)
        {
            throw new FormatException("not a notifications dead letter: it has no reason");
        }

        return new NotificationDeadLetter(proto.Reason, proto.Data, proto.EventId, proto.EventSource, proto.ReceivedAt?.ToDateTimeOffset());
    }

    /// <inheritdoc cref="Parse(string)"/>
    public static NotificationDeadLetter Parse(JsonElement json) => Parse(json.GetRawText());
}
