using System.Text.Json;
using Suite.DaprEmulator.CloudEvents;

namespace Suite.DaprEmulator.Tests.CloudEvents;

/// <summary>
/// A streaming subscriber of raw payloads gets its event built from the envelope's fields; it must
/// be the very event the envelope's JSON would have given, as HTTP subscribers get that JSON.
/// </summary>
public sealed class RawPayloadEnvelopeTests
{
    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0, 1, 2, 255, 34, 92 })]
    [InlineData(new byte[] { 123, 34, 110, 34, 58, 55, 125 })]
    public void Event_built_from_the_fields_equals_the_one_read_from_the_json(byte[] data)
    {
        var envelope = RawPayloadEnvelope.New("edge.edge-1", "pubsub", data);

        var fromFields = TopicEventRequests.FromRawPayload(envelope, "/");
        var fromJson = TopicEventRequests.From(envelope.ToJson(), "pubsub", "edge.edge-1", "/");

        Assert.Equal(fromJson, fromFields);
        Assert.Equal(data, fromFields.Data.ToByteArray());
    }

    [Fact]
    public void Json_is_the_envelope_daprd_writes_with_a_new_id_each_time()
    {
        var first = RawPayloadEnvelope.New("orders", "pubsub", new byte[] { 1, 2 });
        var second = RawPayloadEnvelope.New("orders", "pubsub", new byte[] { 1, 2 });

        var json = JsonDocument.Parse(first.ToJson()).RootElement;
        Assert.Equal(first.Id, json.GetProperty("id").GetString());
        Assert.Equal("Dapr", json.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", json.GetProperty("type").GetString());
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal("application/octet-stream", json.GetProperty("datacontenttype").GetString());
        Assert.Equal("orders", json.GetProperty("topic").GetString());
        Assert.Equal("pubsub", json.GetProperty("pubsubname").GetString());
        Assert.Equal(new byte[] { 1, 2 }, json.GetProperty("data_base64").GetBytesFromBase64());
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void Subscriber_event_writes_a_raw_payloads_json_once_and_keeps_a_cloud_events_bytes()
    {
        var raw = SubscriberEvent.FromRawPayload(RawPayloadEnvelope.New("orders", "pubsub", new byte[] { 9 }));
        Assert.True(raw.CloudEvent.Equals(raw.CloudEvent));

        var bytes = new byte[] { 123, 125 };
        var cloudEvent = SubscriberEvent.FromCloudEvent(bytes);
        Assert.Null(cloudEvent.RawPayload);
        Assert.True(cloudEvent.CloudEvent.Span.SequenceEqual(bytes));
    }
}
