using System.Buffers;
using System.Text.Json;

namespace Suite.DaprEmulator.CloudEvents;

/// <summary>
/// The CloudEvent one subscription hands to its app: either the broker's bytes as they are, or,
/// for a raw-payload subscription, the envelope daprd builds on the subscriber side around the
/// published bytes (contract §2.3). That envelope is written out as JSON only when a target asks
/// for the bytes (an HTTP delivery, routing rules): a streaming subscription takes its fields as
/// they are (<see cref="TopicEventRequests.FromRawPayload"/>), which spares writing, parsing and
/// base64-coding every event twice on the edges' hot path (docs/benchmarks.md, direct messages).
/// </summary>
public sealed class SubscriberEvent
{
    private ReadOnlyMemory<byte>? _cloudEvent;

    private SubscriberEvent(ReadOnlyMemory<byte>? cloudEvent, RawPayloadEnvelope? rawPayload)
    {
        _cloudEvent = cloudEvent;
        RawPayload = rawPayload;
    }

    /// <summary>The envelope's fields when the subscription asked for raw payloads; otherwise none.</summary>
    public RawPayloadEnvelope? RawPayload { get; }

    /// <summary>The CloudEvent's JSON bytes (written on first use for a raw payload).</summary>
    public ReadOnlyMemory<byte> CloudEvent => _cloudEvent ??= RawPayload!.ToJson();

    public static SubscriberEvent FromCloudEvent(ReadOnlyMemory<byte> cloudEvent) => new(cloudEvent, null);

    public static SubscriberEvent FromRawPayload(RawPayloadEnvelope envelope) => new(null, envelope);
}

/// <summary>
/// What daprd wraps a raw payload in for a subscriber: a new id per delivery (so redeliveries of a
/// raw message cannot be de-duplicated by id), source <c>Dapr</c>, type <c>com.dapr.event.sent</c>,
/// the bytes as <c>data_base64</c> of an octet-stream, and the topic and pubsub as extensions.
/// </summary>
public sealed record RawPayloadEnvelope(string Id, string Topic, string PubsubName, ReadOnlyMemory<byte> Data)
{
    public const string Source = "Dapr";
    public const string Type = "com.dapr.event.sent";
    public const string SpecVersion = "1.0";

    public static RawPayloadEnvelope New(string topic, string pubsubName, ReadOnlyMemory<byte> data) =>
        new(Guid.NewGuid().ToString(), topic, pubsubName, data);

    public ReadOnlyMemory<byte> ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(Data.Length * 4 / 3 + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", Id);
            json.WriteString("source", Source);
            json.WriteString("type", Type);
            json.WriteString("specversion", SpecVersion);
            json.WriteString("datacontenttype", ContentTypes.OctetStream);
            json.WriteString("topic", Topic);
            json.WriteString("pubsubname", PubsubName);
            json.WriteBase64String("data_base64", Data.Span);
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
