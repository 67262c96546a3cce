using Suite.Edge.Protocol;
using static Suite.Edge.Tests.Protocol.ProtocolJson;

namespace Suite.Edge.Tests.Protocol;

public sealed class ClientMessageParserErrorTests
{
    [Theory]
    [InlineData("", "empty")]
    [InlineData(" \r\n\t", "empty")]
    [InlineData("{", "Malformed JSON")]
    [InlineData("{\"type\":\"ping\"", "Malformed JSON")]
    [InlineData("{type:\"ping\"}", "Malformed JSON")]
    [InlineData("{\"type\":\"ping\",}", "Malformed JSON")]
    [InlineData("{\"type\":\"ping\"} // hi", "Malformed JSON")]
    [InlineData("{\"type\":\"ping\"}{\"type\":\"ping\"}", "Malformed JSON")]
    [InlineData("{\"type\":'ping'}", "Malformed JSON")]
    [InlineData("{\"type\":\"message\",\"roomId\":\"r\",\"content\":[1,}", "Malformed JSON")]
    public void Malformed_json_is_invalid_json(string frame, string expected)
    {
        var error = ParseError(frame);

        Assert.Equal(ErrorCodes.InvalidJson, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("\"ping\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    [InlineData("true", "a boolean")]
    public void Json_that_is_not_an_object_is_invalid_json(string frame, string kind)
    {
        var error = ParseError(frame);

        Assert.Equal(ErrorCodes.InvalidJson, error.Code);
        Assert.Equal($"The frame must be a JSON object, not {kind}.", error.Message);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_invalid_json()
    {
        byte[] frame = [.. "{\"type\":\"join\",\"roomId\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = ClientMessageParser.Parse(frame, ProtocolLimits.Default);

        Assert.Equal(ErrorCodes.InvalidJson, result.Error?.Code);
        Assert.Contains("UTF-8", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Content_nested_too_deeply_is_invalid_json()
    {
        var content = new string('[', 100) + new string(']', 100);

        Assert.Equal(ErrorCodes.InvalidJson, ParseError($$"""{"type":"message","roomId":"r","content":{{content}}}""").Code);
    }

    [Fact]
    public void Missing_type_is_a_missing_field()
    {
        var error = ParseError("""{"roomId":"r"}""");

        Assert.Equal(ErrorCodes.MissingField, error.Code);
        Assert.Equal("Field 'type' is required.", error.Message);
    }

    [Theory]
    [InlineData("1", "a number")]
    [InlineData("null", "null")]
    [InlineData("{\"name\":\"ping\"}", "an object")]
    [InlineData("[\"ping\"]", "an array")]
    [InlineData("false", "a boolean")]
    public void Type_that_is_not_a_string_is_an_invalid_field(string type, string kind)
    {
        var error = ParseError($$"""{"type":{{type}}}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field 'type' must be a string, not {kind}.", error.Message);
    }

    [Theory]
    [InlineData("shout")]
    [InlineData("PING")]
    [InlineData("")]
    [InlineData("auth:ok")]
    public void Unknown_type_is_named_in_the_error(string type)
    {
        var error = ParseError($$"""{"type":"{{type}}","roomId":"r"}""");

        Assert.Equal(ErrorCodes.UnknownType, error.Code);
        Assert.Equal($"Unknown message type '{type}'.", error.Message);
    }

    [Fact]
    public void Long_unknown_type_is_quoted_only_in_part()
    {
        var error = ParseError($$"""{"type":"{{new string('x', 10_000)}}"}""");

        Assert.Equal(ErrorCodes.UnknownType, error.Code);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Theory]
    [InlineData("""{"type":"auth"}""", "token")]
    [InlineData("""{"type":"join"}""", "roomId")]
    [InlineData("""{"type":"leave"}""", "roomId")]
    [InlineData("""{"type":"message","content":"hi"}""", "roomId")]
    [InlineData("""{"type":"message","roomId":"r"}""", "content")]
    [InlineData("""{"type":"direct","content":"hi"}""", "to")]
    [InlineData("""{"type":"direct","to":"u"}""", "content")]
    [InlineData("""{"type":"subscribe"}""", "channel")]
    [InlineData("""{"type":"unsubscribe"}""", "channel")]
    public void Missing_required_field_is_named(string frame, string field)
    {
        var error = ParseError(frame);

        Assert.Equal(ErrorCodes.MissingField, error.Code);
        Assert.Equal($"Field '{field}' is required.", error.Message);
    }

    [Theory]
    [InlineData("""{"type":"auth","token":123}""", "token", "a number")]
    [InlineData("""{"type":"join","roomId":42}""", "roomId", "a number")]
    [InlineData("""{"type":"leave","roomId":null}""", "roomId", "null")]
    [InlineData("""{"type":"message","roomId":["r"],"content":1}""", "roomId", "an array")]
    [InlineData("""{"type":"direct","to":{"id":"u"},"content":1}""", "to", "an object")]
    [InlineData("""{"type":"subscribe","channel":true}""", "channel", "a boolean")]
    [InlineData("""{"type":"unsubscribe","channel":1.5}""", "channel", "a number")]
    [InlineData("""{"type":"ping","id":7}""", "id", "a number")]
    public void Field_of_the_wrong_json_type_is_named(string frame, string field, string kind)
    {
        var error = ParseError(frame);

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field '{field}' must be a string, not {kind}.", error.Message);
    }

    [Theory]
    [InlineData("join", "roomId")]
    [InlineData("leave", "roomId")]
    [InlineData("subscribe", "channel")]
    [InlineData("unsubscribe", "channel")]
    public void Empty_id_is_an_invalid_field(string type, string field)
    {
        var error = ParseError($$"""{"type":"{{type}}","{{field}}":""}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field '{field}' must not be empty.", error.Message);
    }

    [Theory]
    [InlineData("join", "roomId")]
    [InlineData("subscribe", "channel")]
    [InlineData("ping", "id")]
    public void Id_longer_than_the_limit_is_an_invalid_field(string type, string field)
    {
        var value = new string('r', ProtocolLimits.Default.MaxIdLength + 1);

        var error = ParseError($$"""{"type":"{{type}}","{{field}}":"{{value}}"}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field '{field}' is longer than 128 characters.", error.Message);
    }

    [Fact]
    public void User_id_longer_than_the_limit_is_an_invalid_field()
    {
        var error = ParseError($$"""{"type":"direct","to":"{{new string('u', 129)}}","content":1}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Contains("'to'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_room_id_is_refused_by_the_configured_limit()
    {
        var limits = new ProtocolLimits { MaxIdLength = 8 };

        var error = ParseError($$"""{"type":"join","roomId":"{{new string('r', 1_000_000)}}"}""", limits);

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal("Field 'roomId' is longer than 8 characters.", error.Message);
    }

    [Fact]
    public void Escapes_count_as_the_characters_they_stand_for()
    {
        var limits = new ProtocolLimits { MaxIdLength = 3 };
        var parsed = Parse("""{"type":"join","roomId":"\u0061\u0062\u0063"}""", limits);

        Assert.Equal("abc", Assert.IsType<JoinMessage>(parsed.Message).RoomId);
        Assert.Equal(ErrorCodes.InvalidField, ParseError("""{"type":"join","roomId":"\u0061\u0062\u0063\u0064"}""", limits).Code);
    }

    [Theory]
    [InlineData("""{"type":"join","roomId":"a\nb"}""", "roomId")]
    [InlineData("""{"type":"join","roomId":"a\u0000"}""", "roomId")]
    [InlineData("""{"type":"subscribe","channel":"\u001b[31mred"}""", "channel")]
    [InlineData("""{"type":"direct","to":"u\u007f","content":1}""", "to")]
    [InlineData("""{"type":"leave","roomId":"x\u0085"}""", "roomId")]
    [InlineData("""{"type":"ping","id":"a\tb"}""", "id")]
    public void Control_characters_in_an_id_are_an_invalid_field(string frame, string field)
    {
        var error = ParseError(frame);

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field '{field}' must not contain control characters.", error.Message);
    }

    [Fact]
    public void Lone_surrogate_escape_in_an_id_is_an_invalid_field()
    {
        var error = ParseError("""{"type":"join","roomId":"\ud800"}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal("Field 'roomId' is not valid Unicode text.", error.Message);
    }

    [Fact]
    public void Token_longer_than_its_limit_is_an_invalid_field()
    {
        var error = ParseError($$"""{"type":"auth","token":"{{new string('t', 8 * 1024 + 1)}}"}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Contains("'token'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"abcdef\"")]
    [InlineData("{\"text\":\"abcd\"}")]
    [InlineData("[1,2,3,4]")]
    [InlineData("1234567")]
    public void Content_over_the_limit_is_content_too_large(string content)
    {
        var limits = new ProtocolLimits { MaxContentBytes = 6 };

        var error = ParseError($$"""{"type":"message","roomId":"r","content":{{content}}}""", limits);

        Assert.Equal(ErrorCodes.ContentTooLarge, error.Code);
        Assert.Equal($"Field 'content' is {content.Length} bytes; the limit is 6.", error.Message);
    }

    [Fact]
    public void Direct_content_over_the_limit_is_content_too_large()
    {
        var content = new string('x', ProtocolLimits.Default.MaxContentBytes);

        Assert.Equal(ErrorCodes.ContentTooLarge, ParseError($$"""{"type":"direct","to":"u","content":"{{content}}"}""").Code);
    }

    [Fact]
    public void Null_content_is_an_invalid_field()
    {
        var error = ParseError("""{"type":"message","roomId":"r","content":null}""");

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal("Field 'content' must not be null.", error.Message);
    }

    [Theory]
    [InlineData("""{"type":"join","type":"leave","roomId":"r"}""", "type")]
    [InlineData("""{"type":"join","roomId":"a","roomId":"b"}""", "roomId")]
    [InlineData("""{"type":"message","roomId":"r","content":1,"content":2}""", "content")]
    [InlineData("""{"type":"ping","id":"a","id":"b"}""", "id")]
    public void Repeated_field_is_an_invalid_field(string frame, string field)
    {
        var error = ParseError(frame);

        Assert.Equal(ErrorCodes.InvalidField, error.Code);
        Assert.Equal($"Field '{field}' appears more than once.", error.Message);
    }

    [Fact]
    public void Invalid_client_id_is_not_echoed_back()
    {
        var result = Parse($$"""{"type":"ping","id":"{{new string('i', 200)}}"}""");

        Assert.Equal(ErrorCodes.InvalidField, result.Error?.Code);
        Assert.Null(result.ClientId);
    }

    [Fact]
    public void Unknown_type_still_captures_the_client_id()
    {
        var result = Parse("""{"type":"shout","id":"req-1"}""");

        Assert.Equal(ErrorCodes.UnknownType, result.Error?.Code);
        Assert.Equal("req-1", result.ClientId);
    }
}
