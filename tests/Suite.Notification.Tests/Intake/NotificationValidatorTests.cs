using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Notification.V1;
using Suite.Notification.Intake;

namespace Suite.Notification.Tests.Intake;

public sealed class NotificationValidatorTests
{
    private readonly NotificationValidator _validator = new(Options.Create(new NotificationOptions { MaxUsers = 3, MaxIdLength = 16, MaxFilterValues = 2 }));

    [Fact]
    public void A_complete_event_is_valid() => Assert.Null(_validator.Validate(Valid()));

    [Fact]
    public void Too_many_users_are_refused()
    {
        var evt = Valid();
        evt.Users.Ids.Add(["u2", "u3", "u4"]);

        Assert.Equal("users.ids", _validator.Validate(evt)?.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("12345678901234567")]
    public void User_ids_must_be_non_blank_and_within_the_length_limit(string userId)
    {
        var evt = Valid();
        evt.Users.Ids.Add(userId);

        Assert.Equal("users.ids", _validator.Validate(evt)?.Field);
    }

    [Fact]
    public void An_overlong_event_id_is_refused()
    {
        var evt = Valid();
        evt.Id = "12345678901234567";

        Assert.Equal("id", _validator.Validate(evt)?.Field);
    }

    [Fact]
    public void Room_and_channel_must_be_within_the_length_limit()
    {
        Assert.Equal("room", _validator.Validate(new NotificationEvent { Room = "12345678901234567", Payload = Valid().Payload })?.Field);
        Assert.Equal("channel", _validator.Validate(new NotificationEvent { Channel = "", Payload = Valid().Payload })?.Field);
    }

    [Fact]
    public void Ids_upstream_keys_state_by_may_not_hold_the_key_separator()
    {
        var users = Valid();
        users.Users.Ids.Add("a||b");
        var filter = Valid();
        filter.Filter = new Filter { Tags = { "x||y" } };

        Assert.Equal("users.ids", _validator.Validate(users)?.Field);
        Assert.Equal("room", _validator.Validate(new NotificationEvent { Room = "r||1", Payload = Valid().Payload })?.Field);
        Assert.Equal("channel", _validator.Validate(new NotificationEvent { Channel = "||", Payload = Valid().Payload })?.Field);
        Assert.Null(_validator.Validate(filter));
    }

    [Fact]
    public void The_whole_event_is_capped_in_bytes_of_protobuf_user_ids_included()
    {
        var validator = new NotificationValidator(Options.Create(new NotificationOptions { MaxEventBytes = 1024 }));
        var evt = Valid();
        Assert.Null(validator.ValidateEventSize(evt));

        // A small content, but many long user ids: what a delivery carries beside it.
        evt.Users.Ids.Add(Enumerable.Range(0, 20).Select(i => $"user-{i}-" + new string('x', 60)));
        var error = validator.ValidateEventSize(evt);

        Assert.Equal("event_too_large", error?.Code);
        Assert.Contains($"{evt.CalculateSize()} bytes", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Content_is_capped_in_utf8_bytes_of_its_json()
    {
        var validator = new NotificationValidator(Options.Create(new NotificationOptions { MaxContentBytes = 10 }));

        Assert.Null(validator.ValidateContent("\"12345678\""));
        Assert.Null(validator.ValidateContent("\"éééé\""));
        var error = validator.ValidateContent("\"ééééé\"");

        Assert.Equal("content_too_large", error?.Code);
        Assert.Equal("payload.content", error?.Field);
        Assert.Contains("12 bytes", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Content_cap_defaults_to_half_the_brokers_1_mb_limit() => Assert.Equal(512 * 1024, new NotificationOptions().MaxContentBytes);

    [Fact]
    public void Filter_lists_are_bounded()
    {
        var evt = Valid();
        evt.Filter = new Filter { Platforms = { "ios", "android", "web" } };

        Assert.Equal("filter.platforms", _validator.Validate(evt)?.Field);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, 0)]
    [InlineData(0, -5)]
    public void Ttl_must_be_positive(long seconds, int nanos)
    {
        var evt = Valid();
        evt.Ttl = new Duration { Seconds = seconds, Nanos = nanos };

        Assert.Equal("ttl", _validator.Validate(evt)?.Field);
    }

    [Theory]
    [InlineData("message")]
    [InlineData("user:joined")]
    [InlineData("user:left")]
    [InlineData("auth:ok")]
    [InlineData("auth:fail")]
    [InlineData("pong")]
    [InlineData("error")]
    [InlineData("reconnect")]
    [InlineData("joined")]
    [InlineData("left")]
    [InlineData("subscribed")]
    [InlineData("unsubscribed")]
    [InlineData("direct")]
    [InlineData("Message")]
    public void Protocol_v1_types_are_reserved(string type)
    {
        var evt = Valid();
        evt.Payload.Type = type;

        Assert.Equal("reserved_type", _validator.Validate(evt)?.Code);
    }

    [Fact]
    public void An_unknown_priority_number_is_refused()
    {
        var evt = Valid();
        evt.Priority = (Priority)7;

        Assert.Equal("priority", _validator.Validate(evt)?.Field);
    }

    [Fact]
    public void Content_keeps_the_publishers_number_text()
    {
        var (evt, content, error) = NotificationIntake.Parse("""{"room":"r1","payload":{"type":"t","content":{ "big": 12345678901234567890, "f": 1.50 }}}""");

        Assert.Null(error);
        Assert.Equal("r1", evt!.Room);
        Assert.Equal("""{"big":12345678901234567890,"f":1.50}""", content);
    }

    [Fact]
    public void Snake_and_camel_names_and_numeric_enums_parse()
    {
        var (evt, _, error) = NotificationIntake.Parse("""{"users":{"ids":["a"]},"priority":1,"ttl":"1.5s","payload":{"type":"t","content":[1,2]}}""");

        Assert.Null(error);
        Assert.Equal(Priority.High, evt!.Priority);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), evt.Ttl.ToTimeSpan());
    }

    [Fact]
    public void Not_json_is_malformed() => Assert.Equal("malformed", NotificationIntake.Parse("order shipped").Error?.Code);

    [Fact]
    public void Ack_needs_a_users_target_and_no_droppable_key()
    {
        var evt = Valid();
        evt.Ack = true;
        Assert.Null(_validator.Validate(evt));

        var room = new NotificationEvent { Room = "r1", Ack = true, Payload = Valid().Payload };
        var channel = new NotificationEvent { Channel = "c1", Ack = true, Payload = Valid().Payload };
        var everyone = new NotificationEvent { Everyone = true, Ack = true, Payload = Valid().Payload };
        Assert.All([room, channel, everyone], e => Assert.Equal("invalid_ack", _validator.Validate(e)?.Code));

        evt.Droppable = "k";
        Assert.Equal("invalid_ack", _validator.Validate(evt)?.Code);
    }

    private static NotificationEvent Valid() => new()
    {
        Id = "n1",
        Users = new UserIds { Ids = { "u1" } },
        Payload = new Payload { Type = "order_update", Content = Value.ForNumber(1) },
    };
}
