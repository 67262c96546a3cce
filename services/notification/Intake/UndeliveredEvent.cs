using System.Text.Json;
using Google.Protobuf;

namespace Suite.Notification.Intake;

/// <summary>
/// An event the app gave up on, as it goes to <c>deadletter.notifications</c>: the CloudEvent the
/// sidecar would have dead-lettered (same <c>id</c>, <c>source</c>, <c>type</c> and <c>data</c>, so it
/// can be published to <c>notifications</c> again as it is) plus the extension attribute
/// <c>deadletterreason</c>. Published as <c>application/cloudevents+json</c>, which Dapr keeps as
/// it is, extension included.
/// </summary>
public static class UndeliveredEvent
{
    public const string ContentType = "application/cloudevents+json";

    public const string ReasonAttribute = "deadletterreason";

    /// <param name="data">The event as received: valid JSON, since it was parsed before it failed.</param>
    public static ByteString Json(string cloudEventId, string source, string type, string data, string reason)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", cloudEventId.Length > 0 ? cloudEventId : Guid.NewGuid().ToString());
            json.WriteString("source", source.Length > 0 ? source : "notification");
            json.WriteString("type", type.Length > 0 ? type : "com.dapr.event.sent");
            json.WriteString("datacontenttype", "application/json");
            json.WritePropertyName("data");
            json.WriteRawValue(data);
            json.WriteString(ReasonAttribute, reason);
            json.WriteEndObject();
        }

        return ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
