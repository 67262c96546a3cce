using System.Text.Json;
using Microsoft.Extensions.Options;
using Suite.Contracts.Notification.V1;
using Suite.Notification;
using Suite.Notification.Intake;

namespace Suite.Notifications.Client.Tests;

/// <summary>The JSON the package publishes, read by the intake's own parser and validator.</summary>
public sealed class IntakeParityTests
{
    private static readonly NotificationValidator Intake = new(Options.Create(new NotificationOptions()));

    private static readonly BusinessEvent Valid = new()
    {
        Type = "order_update",
        Content = new { OrderId = 42, Status = "shipped" },
        Target = NotificationTarget.ToUsers("alice", "bob"),
    };

    public static TheoryData<string, BusinessEvent> ValidEvents => new()
    {
        { "users, ack, ttl, high", Valid with { Id = "order-42", Ack = true, Ttl = TimeSpan.FromSeconds(90.5), Priority = NotificationPriority.High } },
        { "room with filter", Valid with { Target = NotificationTarget.ToRoom("lobby"), Filter = new() { Tags = ["beta"], Platforms = ["ios", "android"] } } },
        { "channel, droppable", Valid with { Target = NotificationTarget.ToChannel("prices.eur"), Droppable = "eur" } },
        { "everyone, null content", Valid with { Target = NotificationTarget.ToEveryone, Content = null } },
        { "JsonElement content", Valid with { Content = JsonDocument.Parse("[1, \"two\", {\"three\": 3.0}]").RootElement } },
    };

    [Theory]
    [MemberData(nameof(ValidEvents))]
    public void Rendered_event_is_accepted_by_the_intake_with_the_same_fields(string name, BusinessEvent evt)
    {
        var json = NotificationPublisher.Render(evt).GetRawText();

        var (parsed, content, error) = NotificationIntake.Parse(json);
        error ??= Intake.Validate(parsed!) ?? Intake.ValidateContent(content!);

        Assert.True(error is null, $"{name}: {error?.Describe()} in {json}");
        Assert.Equal(evt.Type, parsed!.Payload.Type);
        Assert.Equal(evt.Id ?? "", parsed.Id);
        Assert.Equal(evt.Ack, parsed.Ack);
        Assert.Equal((int)evt.Priority, (int)parsed.Priority);
        Assert.Equal(evt.Ttl, parsed.Ttl?.ToTimeSpan());
        Assert.Equal(evt.Droppable ?? "", parsed.Droppable);
        Assert.Equal(NotificationPublisher.Render(evt).GetProperty("payload").GetProperty("content").GetRawText(), content);
        switch (evt.Target)
        {
            case NotificationTarget.Users users:
                Assert.Equal(users.Ids, parsed.Users.Ids);
                break;
            case NotificationTarget.Room room:
                Assert.Equal(room.Name, parsed.Room);
                break;
            case NotificationTarget.Channel channel:
                Assert.Equal(channel.Name, parsed.Channel);
                break;
            default:
                Assert.True(parsed.Everyone);
                break;
        }
    }

    [Fact]
    public void Rendered_json_uses_the_documented_proto3_names_and_object_content_is_camel_case()
    {
        var json = NotificationPublisher.Render(Valid with { Ack = true, Ttl = TimeSpan.FromSeconds(60), Priority = NotificationPriority.High });

        Assert.Equal("HIGH", json.GetProperty("priority").GetString());
        Assert.Equal("60s", json.GetProperty("ttl").GetString());
        Assert.True(json.GetProperty("ack").GetBoolean());
        Assert.Equal(["alice", "bob"], json.GetProperty("users").GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(42, json.GetProperty("payload").GetProperty("content").GetProperty("orderId").GetInt32());
    }

    [Fact]
    public void Content_numbers_beyond_double_precision_reach_the_intake_as_written()
    {
        var content = JsonDocument.Parse("""{"big":12345678901234567890123}""").RootElement;

        var (_, parsedContent, _) = NotificationIntake.Parse(NotificationPublisher.Render(Valid with { Content = content }).GetRawText());

        Assert.Equal("""{"big":12345678901234567890123}""", parsedContent);
    }

    public static TheoryData<string, BusinessEvent> InvalidEvents => new()
    {
        { "invalid_id", Valid with { Id = new string('i', 257) } },
        { "invalid_target", Valid with { Target = NotificationTarget.ToUsers() } },
        { "invalid_target", Valid with { Target = NotificationTarget.ToUsers(Enumerable.Range(0, 10_001).Select(i => $"u{i}")) } },
        { "invalid_target", Valid with { Target = NotificationTarget.ToRoom("a||b") } },
        { "invalid_target", Valid with { Target = NotificationTarget.ToChannel(" ") } },
        { "invalid_filter", Valid with { Filter = new() { Regions = [""] } } },
        { "invalid_filter", Valid with { Filter = new() { Tags = [.. Enumerable.Range(0, 101).Select(i => $"t{i}")] } } },
        { "invalid_priority", Valid with { Priority = (NotificationPriority)7 } },
        { "invalid_droppable", Valid with { Droppable = new string('d', 257) } },
        { "invalid_ttl", Valid with { Ttl = TimeSpan.Zero } },
        { "invalid_ttl", Valid with { Ttl = TimeSpan.FromDays(366) } },
        { "invalid_ack", Valid with { Ack = true, Target = NotificationTarget.ToRoom("lobby") } },
        { "invalid_ack", Valid with { Ack = true, Droppable = "k" } },
        { "missing_type", Valid with { Type = " " } },
        { "reserved_type", Valid with { Type = "Message" } },
        { "invalid_type", Valid with { Type = new string('t', 257) } },
        { "content_too_large", Valid with { Content = new string('c', 512 * 1024) } },
    };

    [Theory]
    [MemberData(nameof(InvalidEvents))]
    public void Invalid_event_is_refused_with_the_code_the_intake_gives_the_same_json(string code, BusinessEvent evt)
    {
        var refused = Assert.Throws<NotificationValidationException>(() => NotificationPublisher.Render(evt));

        // The same event rendered without the package's checks, as a careless publisher would send it.
        var content = BusinessEventRendering.Content(evt, new NotificationPublisherOptions().ContentSerializerOptions);
        var (parsed, parsedContent, error) = NotificationIntake.Parse(BusinessEventRendering.Json(evt, content).GetRawText());
        error ??= Intake.Validate(parsed!) ?? Intake.ValidateContent(parsedContent!);

        Assert.Equal(code, refused.Code);
        Assert.Equal(code, error?.Code);
        Assert.Equal(error!.Field, refused.Field);
        Assert.Equal(error.Describe(), refused.Message);
    }

    [Fact]
    public void Generated_event_serialised_by_system_text_json_is_what_the_intake_refuses()
    {
        // Issue 13: what a team got by passing the generated type to DaprClient.PublishEventAsync.
        var generated = new NotificationEvent { Room = "lobby", Payload = new Payload { Type = "x", Content = Google.Protobuf.WellKnownTypes.Value.ForNumber(1) } };

        var (_, _, error) = NotificationIntake.Parse(JsonSerializer.Serialize(generated, new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        Assert.NotNull(error);
        Assert.Null(NotificationIntake.Parse(NotificationPublisher.Render(Valid with { Target = NotificationTarget.ToRoom("lobby") }).GetRawText()).Error);
    }

    [Fact]
    public void Missing_target_is_refused_like_the_intake_refuses_no_target()
    {
        var refused = Assert.Throws<NotificationValidationException>(() => NotificationPublisher.Render(Valid with { Target = null! }));

        Assert.Equal("no_target", refused.Code);
        Assert.Equal("no_target", Intake.Validate(new NotificationEvent { Payload = new Payload { Type = "x", Content = Google.Protobuf.WellKnownTypes.Value.ForNumber(1) } })?.Code);
    }
}
