using System.Text.Json;
using Google.Protobuf;

namespace Suite.Contracts.Edge.V1;

/// <summary>
/// How an <see cref="EdgeDelivery"/> travels on the topics <c>edge.{id}</c>: its protobuf encoding,
/// published as a raw payload (Dapr metadata <c>rawPayload=true</c>, no CloudEvent around it), so an
/// edge reads it with one binary parse. Readers also take the earlier JSON forms (the proto3 JSON
/// mapping, bare or as a CloudEvent's <c>data</c>), so publishers can be upgraded after the edges.
/// </summary>
public static class EdgeDeliveryCodec
{
    public const string ContentType = "application/octet-stream";

    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>Publish metadata for a delivery: the bytes go to the broker as they are.</summary>
    public static Dictionary<string, string> PublishMetadata() => new() { ["rawPayload"] = "true" };

    public static byte[] ToPayload(EdgeDelivery delivery) => delivery.ToByteArray();

    /// <summary>The deliveries one event carries, in order: a batch's (<see cref="EdgeDelivery.Batch"/>), or the delivery itself.</summary>
    public static IReadOnlyList<EdgeDelivery> Unbatch(EdgeDelivery delivery) => delivery.Batch.Count == 0 ? [delivery] : delivery.Batch;

    /// <exception cref="InvalidDataException">Neither a delivery's protobuf encoding nor one of its JSON forms.</exception>
    public static EdgeDelivery Read(ReadOnlySpan<byte> payload)
    {
        try
        {
            // '{' (0x7B) would be field 15 with the deprecated group wire type, never the start of an EdgeDelivery.
            return payload.TrimStart(" \t\r\n"u8) is [(byte)'{', ..] ? ReadJson(payload) : EdgeDelivery.Parser.ParseFrom(payload);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or JsonException or FormatException or InvalidOperationException or IOException)
        {
            throw new InvalidDataException($"not an EdgeDelivery: {ex.Message}", ex);
        }
    }

    private static EdgeDelivery ReadJson(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (!root.TryGetProperty("specversion", out _))
        {
            return Json.Parse<EdgeDelivery>(root.GetRawText());
        }

        if (root.TryGetProperty("data_base64", out var base64))
        {
            return Read(base64.GetBytesFromBase64());
        }

        return root.TryGetProperty("data", out var data)
            ? Json.Parse<EdgeDelivery>(data.ValueKind == JsonValueKind.String ? data.GetString() : data.GetRawText())
            : throw new FormatException("a CloudEvent without data");
    }
}
