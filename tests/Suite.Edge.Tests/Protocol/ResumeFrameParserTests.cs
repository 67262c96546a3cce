using Suite.Edge.Protocol;
using static Suite.Edge.Tests.Protocol.ProtocolJson;

namespace Suite.Edge.Tests.Protocol;

/// <summary>The resume fields: <c>since</c> on <c>join</c>, and the <c>history</c> frame.</summary>
public sealed class ResumeFrameParserTests
{
    [Fact]
    public void Join_without_since_is_a_plain_join()
    {
        Assert.Null(ParseAs<JoinMessage>("""{"type":"join","roomId":"r"}""").Since);
    }

    [Theory]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":42,"epoch":"e1"}}""", 42UL)]
    [InlineData("""{"since":{"epoch":"e1","extra":[1,{"x":2}],"seq":0},"type":"join","roomId":"r"}""", 0UL)]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":18446744073709551615,"epoch":"e1"}}""", ulong.MaxValue)]
    public void Join_with_since_carries_the_seq_and_epoch_wherever_they_stand(string frame, ulong seq)
    {
        var join = ParseAs<JoinMessage>(frame);

        Assert.Equal("r", join.RoomId);
        Assert.Equal(new ResumePoint(seq, "e1"), join.Since);
    }

    [Theory]
    [InlineData("""{"type":"join","roomId":"r","since":5}""", ErrorCodes.InvalidField, "Field 'since' must be an object {\"seq\":N,\"epoch\":E}, not a number.")]
    [InlineData("""{"type":"join","roomId":"r","since":null}""", ErrorCodes.InvalidField, "Field 'since' must be an object {\"seq\":N,\"epoch\":E}, not null.")]
    [InlineData("""{"type":"join","roomId":"r","since":[1,"e"]}""", ErrorCodes.InvalidField, "Field 'since' must be an object {\"seq\":N,\"epoch\":E}, not an array.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1,"epoch":"e"},"since":{"seq":2,"epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since' appears more than once.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"epoch":"e"}}""", ErrorCodes.MissingField, "Field 'since.seq' is required.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1}}""", ErrorCodes.MissingField, "Field 'since.epoch' is required.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":-1,"epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since.seq' must be a non-negative integer.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1.5,"epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since.seq' must be a non-negative integer.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1e3,"epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since.seq' must be a non-negative integer.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":18446744073709551616,"epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since.seq' must be a non-negative integer.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":"7","epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since.seq' must be a non-negative integer, not a string.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1,"seq":2,"epoch":"e"}}""", ErrorCodes.InvalidField, "Field 'since.seq' appears more than once.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1,"epoch":7}}""", ErrorCodes.InvalidField, "Field 'since.epoch' must be a string, not a number.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1,"epoch":""}}""", ErrorCodes.InvalidField, "Field 'since.epoch' must not be empty.")]
    [InlineData("""{"type":"join","roomId":"r","since":{"seq":1,"epoch":"a\u0007"}}""", ErrorCodes.InvalidField, "Field 'since.epoch' must not contain control characters.")]
    public void A_bad_since_is_refused_with_a_message_naming_the_field(string frame, string code, string message)
    {
        var result = Parse(frame);

        Assert.False(result.IsSuccess);
        Assert.Equal(code, result.Error.Code);
        Assert.Equal(message, result.Error.Message);
    }

    [Fact]
    public void An_epoch_longer_than_the_limit_is_refused()
    {
        var epoch = new string('e', ProtocolLimits.MaxEpochLength + 1);

        var error = ParseError($$$"""{"type":"join","roomId":"r","since":{"seq":1,"epoch":"{{{epoch}}}"}}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field 'since.epoch' is longer than {ProtocolLimits.MaxEpochLength} characters.", error.Message);
    }

    [Fact]
    public void A_bad_since_still_echoes_the_frame_id_as_ref()
    {
        var result = Parse("""{"type":"join","id":"j1","roomId":"r","since":"yesterday"}""");

        Assert.Equal("j1", result.ClientId);
    }

    [Fact]
    public void Since_on_other_frames_is_ignored_like_any_unknown_field()
    {
        Assert.Equal("r", ParseAs<LeaveMessage>("""{"type":"leave","roomId":"r","since":"whatever"}""").RoomId);
    }

    [Theory]
    [InlineData("""{"type":"history","roomId":"r"}""", null, null)]
    [InlineData("""{"type":"history","roomId":"r","limit":20}""", 20, null)]
    [InlineData("""{"type":"history","roomId":"r","limit":5,"before":100}""", 5, 100UL)]
    [InlineData("""{"type":"history","roomId":"r","limit":9999999999}""", int.MaxValue, null)]
    public void History_frame_parses_to_its_room_limit_and_before(string frame, int? limit, ulong? before)
    {
        var history = ParseAs<HistoryMessage>(frame);

        Assert.Equal("r", history.RoomId);
        Assert.Equal(limit, history.Limit);
        Assert.Equal(before, history.Before);
        Assert.Equal(ClientMessageTypes.History, history.Type);
    }

    [Theory]
    [InlineData("""{"type":"history"}""", ErrorCodes.MissingField, "Field 'roomId' is required.")]
    [InlineData("""{"type":"history","roomId":"r","limit":0}""", ErrorCodes.InvalidField, "Field 'limit' must be a positive integer.")]
    [InlineData("""{"type":"history","roomId":"r","limit":-2}""", ErrorCodes.InvalidField, "Field 'limit' must be a positive integer.")]
    [InlineData("""{"type":"history","roomId":"r","limit":"10"}""", ErrorCodes.InvalidField, "Field 'limit' must be a positive integer, not a string.")]
    [InlineData("""{"type":"history","roomId":"r","limit":2.5}""", ErrorCodes.InvalidField, "Field 'limit' must be a positive integer.")]
    [InlineData("""{"type":"history","roomId":"r","limit":1,"limit":2}""", ErrorCodes.InvalidField, "Field 'limit' appears more than once.")]
    [InlineData("""{"type":"history","roomId":"r","before":0}""", ErrorCodes.InvalidField, "Field 'before' must be a positive integer.")]
    [InlineData("""{"type":"history","roomId":"r","before":true}""", ErrorCodes.InvalidField, "Field 'before' must be a positive integer, not a boolean.")]
    public void A_bad_history_field_is_refused_with_a_message_naming_it(string frame, string code, string message)
    {
        var error = ParseError(frame);

        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
    }
}
