using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Suite.DaprEmulator.CloudEvents;

/// <summary>
/// Builds the bytes a publish stores on the broker, as daprd does on its publish path
/// (dapr: pkg/runtime/pubsub/cloudevents.go, contrib: pubsub/envelope.go): a CloudEvent 1.0 JSON
/// envelope, the caller's own CloudEvent completed, or the raw payload untouched.
/// </summary>
public sealed class CloudEventWriter(string appId, TimeProvider time)
{
    private const string MetadataPrefix = "cloudevent.";

    public ReadOnlyMemory<byte> Write(PublishedEvent published)
    {
        if (IsRawPayload(published.Metadata))
        {
            return published.Data;
        }

        return ContentTypes.IsCloudEvent(published.ContentType) ? CompleteCloudEvent(published) : NewEnvelope(published);
    }

    public static bool IsRawPayload(IReadOnlyDictionary<string, string> metadata) =>
        TryGet(metadata, "rawPayload", out var raw) && bool.TryParse(raw, out var isRaw) && isRaw;

    private ReadOnlyMemory<byte> NewEnvelope(PublishedEvent published)
    {
        var contentType = string.IsNullOrEmpty(published.ContentType) ? "text/plain" : published.ContentType;
        var traceParent = published.TraceParent ?? NewTraceParent();
        var buffer = new ArrayBufferWriter<byte>(published.Data.Length + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", Override(published, "id") ?? Guid.NewGuid().ToString());
            json.WriteString("source", Override(published, "source") ?? appId);
            json.WriteString("type", Override(published, "type") ?? "com.dapr.event.sent");
            json.WriteString("specversion", "1.0");
            json.WriteString("datacontenttype", contentType);
            json.WriteString("topic", published.Topic);
            json.WriteString("pubsubname", published.PubsubName);
            json.WriteString("traceid", Override(published, "traceid") ?? traceParent);
            json.WriteString("traceparent", Override(published, "traceparent") ?? traceParent);
            json.WriteString("tracestate", Override(published, "tracestate") ?? published.TraceState ?? "");
            json.WriteString("time", time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
            if (Override(published, "subject") is { } subject)
            {
                json.WriteString("subject", subject);
            }

            if (Expiration(published.Metadata) is { } expiration)
            {
                json.WriteString("expiration", expiration);
            }

            WriteData(json, published.Data.Span, contentType);
            json.WriteEndObject();
        }

        // The writer is not reused, so its array can travel to the broker without another copy.
        return buffer.WrittenMemory;
    }

    private static void WriteData(Utf8JsonWriter json, ReadOnlySpan<byte> data, string contentType)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (ContentTypes.IsBinary(contentType))
        {
            json.WriteBase64String("data_base64", data);
        }
        else if (ContentTypes.IsJson(contentType) && IsValidJson(data))
        {
            json.WritePropertyName("data");
            json.WriteRawValue(data, skipInputValidation: true);
        }
        else if (System.Text.Unicode.Utf8.IsValid(data))
        {
            // daprd keeps unparsable JSON and other text as a string.
            json.WriteString("data", data);
        }
        else
        {
            json.WriteBase64String("data_base64", data);
        }
    }

    // A forward-only scan: validates without building a document, since this runs on every publish.
    private static bool IsValidJson(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            while (reader.Read())
            {
            }

            return reader.BytesConsumed == data.Length;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private byte[] CompleteCloudEvent(PublishedEvent published)
    {
        JsonObject envelope;
        try
        {
            envelope = JsonNode.Parse(published.Data.Span) as JsonObject
                ?? throw new InvalidCloudEventException("the payload is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidCloudEventException($"the payload is not valid JSON: {ex.Message}");
        }

        // daprd overwrites topic and pubsubname and fills only what is missing.
        envelope["topic"] = published.Topic;
        envelope["pubsubname"] = published.PubsubName;
        var traceParent = published.TraceParent ?? NewTraceParent();
        FillMissing(envelope, "id", Guid.NewGuid().ToString());
        FillMissing(envelope, "source", "Dapr");
        FillMissing(envelope, "type", "com.dapr.event.sent");
        FillMissing(envelope, "specversion", "1.0");
        FillMissing(envelope, "time", time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        FillMissing(envelope, "traceid", traceParent);
        FillMissing(envelope, "traceparent", traceParent);
        FillMissing(envelope, "tracestate", published.TraceState ?? "");
        foreach (var field in new[] { "id", "source", "type", "subject", "traceid", "traceparent", "tracestate" })
        {
            if (Override(published, field) is { } value)
            {
                envelope[field] = value;
            }
        }

        if (Expiration(published.Metadata) is { } expiration)
        {
            envelope["expiration"] = expiration;
        }

        return JsonSerializer.SerializeToUtf8Bytes(envelope);
    }

    private static void FillMissing(JsonObject envelope, string field, string value)
    {
        if (envelope[field] is null)
        {
            envelope[field] = value;
        }
    }

    private string? Expiration(IReadOnlyDictionary<string, string> metadata)
    {
        if (!TryGet(metadata, "ttlInSeconds", out var raw) && !TryGet(metadata, "ttl", out raw))
        {
            return null;
        }

        if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
        {
            throw new InvalidCloudEventException($"ttlInSeconds '{raw}' is not a positive integer");
        }

        return (time.GetUtcNow() + TimeSpan.FromSeconds(seconds)).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
    }

    private static string? Override(PublishedEvent published, string field) =>
        TryGet(published.Metadata, MetadataPrefix + field, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static bool TryGet(IReadOnlyDictionary<string, string> metadata, string key, out string value)
    {
        if (metadata.Count > 0)
        {
            foreach (var (name, candidate) in metadata)
            {
                if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
                {
                    value = candidate;
                    return true;
                }
            }
        }

        value = "";
        return false;
    }

    public static string NewTraceParent()
    {
        Span<byte> ids = stackalloc byte[24];
        System.Security.Cryptography.RandomNumberGenerator.Fill(ids);
        return $"00-{Convert.ToHexStringLower(ids[..16])}-{Convert.ToHexStringLower(ids[16..])}-01";
    }
}
