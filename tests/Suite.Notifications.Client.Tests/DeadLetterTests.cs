using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Notification.V1;

namespace Suite.Notifications.Client.Tests;

public sealed class DeadLetterTests
{
    [Fact]
    public void Dead_letter_as_the_service_publishes_it_is_parsed_with_its_code_and_the_rejected_event()
    {
        var receivedAt = new DateTimeOffset(2026, 12, 6, 0, 30, 0, TimeSpan.Zero);
        // Exactly what NotificationTopic publishes to notifications.deadletter.
        var json = JsonFormatter.Default.Format(new DeadLetter
        {
            Reason = "invalid_ack: ack: acknowledged notifications are kept in per-user inboxes; use a users target",
            Data = """{"room":"lobby","ack":true,"payload":{"type":"x","content":1}}""",
            EventId = "ce-1",
            EventSource = "orders",
            ReceivedAt = Timestamp.FromDateTimeOffset(receivedAt),
        });

        var dead = NotificationDeadLetter.Parse(json);

        Assert.Equal("invalid_ack", dead.Code);
        Assert.Equal("ce-1", dead.EventId);
        Assert.Equal("orders", dead.EventSource);
        Assert.Equal(receivedAt, dead.ReceivedAt);
        Assert.Equal("lobby", dead.DataJson!.Value.GetProperty("room").GetString());
    }

    [Fact]
    public void Dead_letter_with_malformed_data_keeps_it_as_text_and_unknown_fields_are_ignored()
    {
        var dead = NotificationDeadLetter.Parse("""{"reason":"malformed: bad json","data":"{oops","eventId":"e","newField":1}""");

        Assert.Equal("malformed", dead.Code);
        Assert.Equal("{oops", dead.Data);
        Assert.Null(dead.DataJson);
    }

    [Fact]
    public void Undelivered_event_as_the_service_gives_it_up_is_parsed_with_its_reason_and_data()
    {
        var data = """{"id":"order-42","users":{"ids":["alice"]},"payload":{"type":"x","content":1}}""";
        // Exactly what NotificationTopic publishes to deadletter.notifications on the last attempt.
        var cloudEvent = Suite.Notification.Intake.UndeliveredEvent.Json("ce-7", "orders", "com.dapr.event.sent", data, "unavailable: presence down");

        var undelivered = UndeliveredNotification.Parse(cloudEvent.ToStringUtf8());

        Assert.Equal("ce-7", undelivered.EventId);
        Assert.Equal("orders", undelivered.Source);
        Assert.Equal("unavailable: presence down", undelivered.Reason);
        Assert.Equal(data, undelivered.Data.GetRawText());
    }

    [Fact]
    public void Undelivered_event_the_sidecar_dead_lettered_has_no_reason()
    {
        var undelivered = UndeliveredNotification.Parse("""{"specversion":"1.0","id":"e","source":"orders","type":"t","data":{"room":"r"}}""");

        Assert.Null(undelivered.Reason);
        Assert.Throws<FormatException>(() => UndeliveredNotification.Parse("""{"id":"e"}"""));
    }

    [Fact]
    public void Something_else_is_not_a_dead_letter()
    {
        Assert.Throws<FormatException>(() => NotificationDeadLetter.Parse("""{"id":"x","room":"lobby"}"""));
        Assert.Throws<FormatException>(() => NotificationDeadLetter.Parse("not json"));
    }
}
