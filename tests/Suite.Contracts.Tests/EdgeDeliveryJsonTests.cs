using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Edge.V1;

namespace Suite.Contracts.Tests;

public sealed class EdgeDeliveryJsonTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static EdgeDelivery RoomMessageDelivery() => new()
    {
        EdgeId = "edge-1",
        RoomId = "r1",
        ExceptUserIds = { "alice" },
        ExceptConnectionIds = { "c-7" },
        Filter = new ConnectionFilter { Tags = { "beta" }, Regions = { "eu" }, Platforms = { "ios" } },
        Priority = Priority.High,
        DroppableKey = "cursor:alice",
        ExpiresAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero)),
        Message = new ServerMessage
        {
            Id = "m-1",
            Type = "message",
            Timestamp = Timestamp.FromDateTimeOffset(new DateTimeOffset(2030, 1, 2, 3, 4, 0, TimeSpan.Zero)),
            Seq = 42,
            Json = """{"type":"message","roomId":"r1","from":"alice","content":"hi","timestamp":1893553440000,"id":"m-1","seq":42}""",
        },
    };

    [Fact]
    public void Delivery_survives_the_json_mapping_used_on_the_edge_topics()
    {
        var delivery = RoomMessageDelivery();

        var json = JsonFormatter.Default.Format(delivery);

        Assert.Equal(delivery, Parser.Parse<EdgeDelivery>(json));
    }

    [Fact]
    public void Delivery_json_uses_camel_case_names_enum_names_and_the_frame_as_text()
    {
        using var doc = JsonDocument.Parse(JsonFormatter.Default.Format(RoomMessageDelivery()));
        var root = doc.RootElement;

        Assert.Equal("edge-1", root.GetProperty("edgeId").GetString());
        Assert.Equal("r1", root.GetProperty("roomId").GetString());
        Assert.Equal("alice", root.GetProperty("exceptUserIds")[0].GetString());
        Assert.Equal("c-7", root.GetProperty("exceptConnectionIds")[0].GetString());
        Assert.Equal("PRIORITY_HIGH", root.GetProperty("priority").GetString());
        Assert.Equal("cursor:alice", root.GetProperty("droppableKey").GetString());
        Assert.Equal("2030-01-02T03:04:05Z", root.GetProperty("expiresAt").GetString());

        var message = root.GetProperty("message");
        Assert.Equal("42", message.GetProperty("seq").GetString());
        // The frame travels as readable JSON text, not base64, and parses as the v1 frame.
        using var frame = JsonDocument.Parse(message.GetProperty("json").GetString()!);
        Assert.Equal("message", frame.RootElement.GetProperty("type").GetString());
        Assert.Equal(42, frame.RootElement.GetProperty("seq").GetInt64());
    }

    [Fact]
    public void Edge_ignores_fields_added_by_a_newer_publisher()
    {
        const string json = """{"edgeId":"edge-1","everyone":true,"someFutureField":{"x":1},"message":{"id":"m-2","type":"notice","json":"{}"}}""";

        var delivery = Parser.Parse<EdgeDelivery>(json);

        Assert.Equal(EdgeDelivery.TargetOneofCase.Everyone, delivery.TargetCase);
        Assert.Equal(Priority.Normal, delivery.Priority);
        Assert.Equal("m-2", delivery.Message.Id);
    }
}
