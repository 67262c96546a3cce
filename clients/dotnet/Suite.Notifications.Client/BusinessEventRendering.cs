using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Notification.V1;

namespace Suite.Notifications.Client;

/// <summary>
/// A <see cref="BusinessEvent"/> as the service reads it: the generated <see cref="NotificationEvent"/>
/// (gRPC) and its proto3 JSON mapping (the topic). The JSON comes from protobuf's own formatter, so
/// field names, enum names and the ttl duration string are exactly what the intake's strict parser
/// expects; only <c>payload.content</c> is spliced in as written, because the intake forwards the
/// content from the document itself (numbers beyond double precision intact).
/// </summary>
internal static class BusinessEventRendering
{
    public static JsonElement Content(BusinessEvent evt, JsonSerializerOptions options) => evt.Content switch
    {
        JsonElement element => element,
        JsonDocument document => document.RootElement,
        var other => JsonSerializer.SerializeToElement(other, options),
    };

    /// <summary>The event without <c>payload.content</c> (see <see cref="Json"/> and <see cref="Proto"/>).</summary>
    public static NotificationEvent Envelope(BusinessEvent evt)
    {
        var proto = new NotificationEvent
        {
            Id = evt.Id ?? "",
            Priority = (Priority)(int)evt.Priority,
            Droppable = evt.Droppable ?? "",
            Ack = evt.Ack,
            Payload = new Payload { Type = evt.Type ?? "" },
        };
        switch (evt.Target)
        {
            case NotificationTarget.Users users:
                proto.Users = new UserIds { Ids = { users.Ids } };
                break;
            case NotificationTarget.Room room:
                proto.Room = room.Name ?? "";
                break;
            case NotificationTarget.Channel channel:
                proto.Channel = channel.Name ?? "";
                break;
            case NotificationTarget.Everyone:
                proto.Everyone = true;
                break;
        }

        if (evt.Filter is { } filter)
        {
            proto.Filter = new Filter { Tags = { filter.Tags }, Regions = { filter.Regions }, Platforms = { filter.Platforms } };
        }

        if (evt.Ttl is { } ttl)
        {
            proto.Ttl = Duration.FromTimeSpan(ttl);
        }

        return proto;
    }

    /// <summary>The CloudEvent <c>data</c> for the <c>notifications</c> topic.</summary>
    public static JsonElement Json(BusinessEvent evt, JsonElement content)
    {
        using var envelope = JsonDocument.Parse(JsonFormatter.Default.Format(Envelope(evt)));
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var property in envelope.RootElement.EnumerateObject())
            {
                if (property.NameEquals("payload"))
                {
                    continue;
                }

                property.WriteTo(json);
            }

            json.WriteStartObject("payload");
            if (envelope.RootElement.TryGetProperty("payload", out var payload))
            {
                foreach (var property in payload.EnumerateObject())
                {
                    property.WriteTo(json);
                }
            }

            // The element writes its original text (number spelling included).
            json.WritePropertyName("content");
            content.WriteTo(json);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>The request for <c>NotificationService.Publish</c>.</summary>
    public static NotificationEvent Proto(BusinessEvent evt, JsonElement content)
    {
        var proto = Envelope(evt);
        proto.Payload.Content = JsonParser.Default.Parse<Value>(content.GetRawText());
        return proto;
    }
}
