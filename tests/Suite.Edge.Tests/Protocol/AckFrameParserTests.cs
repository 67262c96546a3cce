using Suite.Edge.Protocol;
using static Suite.Edge.Tests.Protocol.ProtocolJson;

namespace Suite.Edge.Tests.Protocol;

/// <summary><c>{"type":"ack","ids":[...]}</c>: the ids of acknowledged notifications a device has seen.</summary>
public sealed class AckFrameParserTests
{
    [Fact]
    public void Ack_carries_its_ids_in_order_without_repeats()
    {
        var ack = ParseAs<AckMessage>("""{"ids":["n1","ce-0f","n1"],"type":"ack","id":"c1"}""");

        Assert.Equal(["n1", "ce-0f"], ack.Ids);
        Assert.Equal("c1", ack.Id);
        Assert.Equal("ack", ack.Type);
    }

    [Fact]
    public void Ack_ids_may_be_as_long_as_notification_ids_and_as_many_as_the_limit()
    {
        var limits = new ProtocolLimits { MaxAckIds = 3, MaxAckIdLength = 256 };
        var ids = new[] { new string('a', 256), "b", "c" };

        var result = Parse($$"""{"type":"ack","ids":["{{string.Join("\",\"", ids)}}"]}""", limits);

        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.Equal(ids, Assert.IsType<AckMessage>(result.Message).Ids);
    }

    [Theory]
    [InlineData("""{"type":"ack"}""", ErrorCodes.MissingField, "Field 'ids' is required.")]
    [InlineData("""{"type":"ack","ids":"n1"}""", ErrorCodes.InvalidField, "Field 'ids' must be an array of notification ids, not a string.")]
    [InlineData("""{"type":"ack","ids":null}""", ErrorCodes.InvalidField, "Field 'ids' must be an array of notification ids, not null.")]
    [InlineData("""{"type":"ack","ids":[]}""", ErrorCodes.InvalidField, "Field 'ids' must not be empty.")]
    [InlineData("""{"type":"ack","ids":["n1",2]}""", ErrorCodes.InvalidField, "Field 'ids[1]' must be a string, not a number.")]
    [InlineData("""{"type":"ack","ids":[["n1"]]}""", ErrorCodes.InvalidField, "Field 'ids[0]' must be a string, not an array.")]
    [InlineData("""{"type":"ack","ids":["n1",""]}""", ErrorCodes.InvalidField, "Field 'ids[1]' must not be empty.")]
    [InlineData("""{"type":"ack","ids":["  "]}""", ErrorCodes.InvalidField, "Field 'ids[0]' must not be empty.")]
    [InlineData("""{"type":"ack","ids":["\uD800"]}""", ErrorCodes.InvalidField, "Field 'ids[0]' is not valid Unicode text.")]
    [InlineData("""{"type":"ack","ids":["a\u0007"]}""", ErrorCodes.InvalidField, "Field 'ids' must not contain control characters.")]
    [InlineData("""{"type":"ack","ids":["n1"],"ids":["n2"]}""", ErrorCodes.InvalidField, "Field 'ids' appears more than once.")]
    public void Bad_ack_frames_name_the_problem(string frame, string code, string message)
    {
        var error = ParseError(frame);

        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Too_many_ids_or_too_long_an_id_is_refused_with_the_limit()
    {
        var limits = new ProtocolLimits { MaxAckIds = 2, MaxAckIdLength = 8 };

        Assert.Equal("Field 'ids' holds more than 2 ids; ack at most 2 at once.", ParseError("""{"type":"ack","ids":["a","b","c"]}""", limits).Message);
        Assert.Equal("Field 'ids[1]' is longer than 8 characters.", ParseError("""{"type":"ack","ids":["a","123456789"]}""", limits).Message);
    }
}
