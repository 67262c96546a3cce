using System.Text;
using Google.Protobuf;
using Suite.Contracts.Edge.V1;

namespace Suite.Contracts.Tests;

/// <summary>The edge topics' payloads: protobuf raw payloads, and the earlier JSON forms edges still read.</summary>
public sealed class EdgeDeliveryCodecTests
{
    private static EdgeDelivery Delivery() => new()
    {
        EdgeId = "edge-1",
        RoomId = "r1",
        ExceptUserIds = { "alice" },
        Priority = Priority.High,
        Message = new ServerMessage
        {
            Id = "m-1",
            Type = "message",
            Seq = 42,
            Timestamp = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1_700_000_000, Nanos = 123_000_000 },
            RoomId = "r1",
            From = "bob",
            ContentJson = ByteString.CopyFromUtf8("""{"text":"héllo","n":[1, 2]}"""),
        },
    };

    [Fact]
    public void A_legacy_message_with_its_frame_as_json_reads_back_unchanged()
    {
        var delivery = Delivery();
        delivery.Message = new ServerMessage { Id = "m-1", Type = "message", Seq = 42, Json = """{"type":"message","roomId":"r1","id":"m-1","seq":42}""" };

        Assert.Equal(delivery, EdgeDeliveryCodec.Read(EdgeDeliveryCodec.ToPayload(delivery)));
        Assert.Equal(delivery, EdgeDeliveryCodec.Read(Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(delivery))));
    }

    [Fact]
    public void A_protobuf_payload_reads_back_as_the_same_delivery()
    {
        var delivery = Delivery();

        Assert.Equal(delivery, EdgeDeliveryCodec.Read(EdgeDeliveryCodec.ToPayload(delivery)));
    }

    [Fact]
    public void The_earlier_json_forms_still_read_bare_as_cloudevent_data_and_as_a_raw_subscription_sees_them()
    {
        var delivery = Delivery();
        var json = JsonFormatter.Default.Format(delivery);
        var cloudEvent = $$"""{"specversion":"1.0","id":"e1","type":"com.dapr.event.sent","datacontenttype":"application/json","data":{{json}}}""";
        var rawView = $$"""{"specversion":"1.0","id":"e2","datacontenttype":"application/octet-stream","data_base64":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(cloudEvent))}}"}""";

        Assert.Equal(delivery, EdgeDeliveryCodec.Read(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(delivery, EdgeDeliveryCodec.Read(Encoding.UTF8.GetBytes(cloudEvent)));
        Assert.Equal(delivery, EdgeDeliveryCodec.Read(Encoding.UTF8.GetBytes(rawView)));
    }

    [Theory]
    [InlineData("{\"specversion\":\"1.0\",\"id\":\"x\"}")]
    [InlineData("{not json")]
    [InlineData("\u00ff\u00ff\u00ff")]
    public void Anything_else_is_refused_with_a_reason(string payload)
    {
        var error = Assert.Throws<InvalidDataException>(() => EdgeDeliveryCodec.Read(Encoding.Latin1.GetBytes(payload)));

        Assert.StartsWith("not an EdgeDelivery", error.Message, StringComparison.Ordinal);
    }
}
