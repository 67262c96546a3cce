using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Notification.V1;

namespace Suite.Contracts.Tests;

public sealed class NotificationEventJsonTests
{
    // Strict on purpose (notification.proto): a misspelt field must be rejected, not ignored.
    private static readonly JsonParser Parser = JsonParser.Default;

    // As a business team writes it; the same example is in protos/README.md.
    private const string HandWritten = """
        {
          "id": "order-42-shipped",
          "users": { "ids": ["alice", "bob"] },
          "filter": { "platforms": ["ios", "android"] },
          "priority": "HIGH",
          "ttl": "60s",
          "payload": { "type": "order_update", "content": { "orderId": 42, "status": "shipped" } }
        }
        """;

    [Fact]
    public void Hand_written_business_event_parses()
    {
        var notification = Parser.Parse<NotificationEvent>(HandWritten);

        Assert.Equal("order-42-shipped", notification.Id);
        Assert.Equal(NotificationEvent.TargetOneofCase.Users, notification.TargetCase);
        Assert.Equal(new[] { "alice", "bob" }, notification.Users.Ids);
        Assert.Equal(new[] { "ios", "android" }, notification.Filter.Platforms);
        Assert.Equal(Priority.High, notification.Priority);
        Assert.Equal(TimeSpan.FromSeconds(60), notification.Ttl.ToTimeSpan());
        Assert.Equal("order_update", notification.Payload.Type);
        var content = notification.Payload.Content.StructValue.Fields;
        Assert.Equal(42, content["orderId"].NumberValue);
        Assert.Equal("shipped", content["status"].StringValue);
    }

    [Fact]
    public void Minimal_broadcast_defaults_to_normal_priority_without_expiry()
    {
        var notification = Parser.Parse<NotificationEvent>(
            """{"everyone":true,"payload":{"type":"maintenance","content":"back in 5 minutes"}}""");

        Assert.True(notification.Everyone);
        Assert.Equal(Priority.Normal, notification.Priority);
        Assert.Null(notification.Ttl);
        Assert.Null(notification.Filter);
        Assert.Equal("back in 5 minutes", notification.Payload.Content.StringValue);
    }

    [Fact]
    public void Notification_round_trips_with_camel_case_names()
    {
        var notification = new NotificationEvent
        {
            Id = "n-1",
            Channel = "prices.BTC",
            Filter = new Filter { Tags = { "pro" }, Regions = { "eu-west" } },
            Priority = Priority.High,
            Droppable = "price:BTC",
            Ttl = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(1500)),
            Payload = new Payload { Type = "price_update", Content = Value.ForStruct(new Struct { Fields = { ["price"] = Value.ForNumber(97_000.5) } }) },
        };

        var json = JsonFormatter.Default.Format(notification);

        Assert.Equal(notification, Parser.Parse<NotificationEvent>(json));
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("prices.BTC", root.GetProperty("channel").GetString());
        Assert.Equal("HIGH", root.GetProperty("priority").GetString());
        Assert.Equal("price:BTC", root.GetProperty("droppable").GetString());
        Assert.Equal("1.500s", root.GetProperty("ttl").GetString());
        Assert.Equal(97_000.5, root.GetProperty("payload").GetProperty("content").GetProperty("price").GetDouble());
    }

    [Theory]
    [InlineData("""{"room":"r1","channel":"c1","payload":{"type":"x"}}""")]
    [InlineData("""{"everyone":true,"fitler":{"tags":["beta"]},"payload":{"type":"x"}}""")]
    [InlineData("""{"everyone":true,"priority":"URGENT","payload":{"type":"x"}}""")]
    public void Events_that_would_change_the_audience_silently_are_rejected(string json) =>
        Assert.ThrowsAny<InvalidProtocolBufferException>(() => Parser.Parse<NotificationEvent>(json));
}
