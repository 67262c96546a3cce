using System.Buffers;
using System.Text;
using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Suite.DaprEmulator.CloudEvents;

/// <summary>
/// A CloudEvent as daprd hands it to gRPC subscribers (<c>GRPCEnvelopeFromSubscriptionMessage</c>,
/// dapr-contract.md §2.7): the standard attributes in their fields, <c>data</c> decoded (base64 data
/// as bytes, JSON data as its JSON text, text as the string), every other attribute in <c>extensions</c>.
/// </summary>
public static class TopicEventRequests
{
    private static readonly HashSet<string> OwnFields = new(StringComparer.Ordinal)
    {
        "id", "source", "type", "specversion", "datacontenttype", "data", "data_base64",
    };

    /// <exception cref="JsonException">The bytes are not a CloudEvent JSON object.</exception>
    public static TopicEventRequest From(ReadOnlyMemory<byte> cloudEvent, string pubsubName, string topic, string path)
    {
        using var document = JsonDocument.Parse(cloudEvent);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the message is not a CloudEvent object");
        }

        var contentType = Text(root, "datacontenttype");
        var request = new TopicEventRequest
        {
            Id = Text(root, "id"),
            Source = Text(root, "source"),
            Type = Text(root, "type"),
            SpecVersion = Text(root, "specversion"),
            DataContentType = contentType,
            Topic = topic,
            PubsubName = pubsubName,
            Path = path,
            Data = Data(root, contentType),
        };

        var extensions = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(extensions))
        {
            json.WriteStartObject();
            foreach (var property in root.EnumerateObject().Where(p => !OwnFields.Contains(p.Name)))
            {
                property.WriteTo(json);
            }

            json.WriteEndObject();
        }

        request.Extensions = JsonParser.Default.Parse<Struct>(Encoding.UTF8.GetString(extensions.WrittenSpan));
        return request;
    }

    /// <summary>
    /// What <see cref="From"/> makes of <see cref="RawPayloadEnvelope.ToJson"/>, built from the
    /// envelope's fields without writing and parsing its JSON.
    /// </summary>
    public static TopicEventRequest FromRawPayload(RawPayloadEnvelope envelope, string path) => new()
    {
        Id = envelope.Id,
        Source = RawPayloadEnvelope.Source,
        Type = RawPayloadEnvelope.Type,
        SpecVersion = RawPayloadEnvelope.SpecVersion,
        DataContentType = ContentTypes.OctetStream,
        Topic = envelope.Topic,
        PubsubName = envelope.PubsubName,
        Path = path,
        Data = ByteString.CopyFrom(envelope.Data.Span),
        Extensions = new Struct
        {
            Fields =
            {
                ["topic"] = Value.ForString(envelope.Topic),
                ["pubsubname"] = Value.ForString(envelope.PubsubName),
            },
        },
    };

    private static ByteString Data(JsonElement root, string contentType)
    {
        if (root.TryGetProperty("data_base64", out var base64) && base64.ValueKind == JsonValueKind.String)
        {
            return ByteString.FromBase64(base64.GetString()!);
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null)
        {
            return ByteString.Empty;
        }

        return data.ValueKind == JsonValueKind.String && !ContentTypes.IsJson(contentType)
            ? ByteString.CopyFromUtf8(data.GetString()!)
            : ByteString.CopyFromUtf8(data.GetRawText());
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
