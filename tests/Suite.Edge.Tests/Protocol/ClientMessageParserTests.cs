using Suite.Edge.Protocol;
using static Suite.Edge.Tests.Protocol.ProtocolJson;

namespace Suite.Edge.Tests.Protocol;

public sealed class ClientMessageParserTests
{
    [Fact]
    public void Auth_frame_parses_to_its_token()
    {
        var auth = ParseAs<AuthMessage>("""{"type":"auth","token":"eyJ.abc.def"}""");

        Assert.Equal("eyJ.abc.def", auth.Token);
        Assert.Equal(ClientMessageTypes.Auth, auth.Type);
    }

    [Fact]
    public void Join_frame_parses_to_its_room()
    {
        Assert.Equal("lobby", ParseAs<JoinMessage>("""{"type":"join","roomId":"lobby"}""").RoomId);
    }

    [Fact]
    public void Leave_frame_parses_to_its_room()
    {
        Assert.Equal("lobby", ParseAs<LeaveMessage>("""{"type":"leave","roomId":"lobby"}""").RoomId);
    }

    [Fact]
    public void Message_frame_parses_to_its_room_and_raw_content()
    {
        var message = ParseAs<RoomMessage>("""{"type":"message","roomId":"lobby","content":"hi"}""");

        Assert.Equal("lobby", message.RoomId);
        Assert.Equal("\"hi\"", Text(message.Content));
    }

    [Fact]
    public void Direct_frame_parses_to_its_recipient_and_raw_content()
    {
        var direct = ParseAs<DirectMessage>("""{"type":"direct","to":"user-2","content":{"a":1}}""");

        Assert.Equal("user-2", direct.To);
        Assert.Equal("""{"a":1}""", Text(direct.Content));
    }

    [Fact]
    public void Subscribe_frame_parses_to_its_channel()
    {
        Assert.Equal("prices.EURUSD", ParseAs<SubscribeMessage>("""{"type":"subscribe","channel":"prices.EURUSD"}""").Channel);
    }

    [Fact]
    public void Unsubscribe_frame_parses_to_its_channel()
    {
        Assert.Equal("prices.EURUSD", ParseAs<UnsubscribeMessage>("""{"type":"unsubscribe","channel":"prices.EURUSD"}""").Channel);
    }

    [Fact]
    public void Ping_frame_parses_without_fields()
    {
        Assert.Equal(ClientMessageTypes.Ping, ParseAs<PingMessage>("""{"type":"ping"}""").Type);
    }

    [Fact]
    public void Type_may_come_after_the_other_fields()
    {
        var message = ParseAs<RoomMessage>("""{"content":[1,2],"roomId":"r","type":"message"}""");

        Assert.Equal("r", message.RoomId);
        Assert.Equal("[1,2]", Text(message.Content));
    }

    [Fact]
    public void Unknown_properties_are_ignored_whatever_their_value()
    {
        var join = ParseAs<JoinMessage>("""{"type":"join","extra":{"deep":[1,{"x":null}]},"roomId":"r","flag":true,"n":1.5}""");

        Assert.Equal("r", join.RoomId);
    }

    [Fact]
    public void Known_fields_that_the_type_does_not_use_are_ignored()
    {
        Assert.IsType<PingMessage>(ParseAs<PingMessage>("""{"type":"ping","roomId":42,"content":null}"""));
    }

    [Fact]
    public void Client_id_is_captured_for_the_reply()
    {
        var result = Parse("""{"id":"req-7","type":"join","roomId":"r"}""");

        Assert.Equal("req-7", result.Message?.Id);
        Assert.Equal("req-7", result.ClientId);
    }

    [Fact]
    public void Client_id_is_captured_even_when_the_frame_is_refused()
    {
        var result = Parse("""{"type":"join","id":"req-8"}""");

        Assert.Equal(ErrorCodes.MissingField, result.Error?.Code);
        Assert.Equal("req-8", result.ClientId);
    }

    [Fact]
    public void Frame_without_an_id_has_no_client_id()
    {
        Assert.Null(Parse("""{"type":"ping"}""").ClientId);
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        var join = ParseAs<JoinMessage>("""{"type":"j\u006fin","roomId":"caf\u00e9 \"q\" \ud83d\ude00"}""");

        Assert.Equal("café \"q\" 😀", join.RoomId);
    }

    [Fact]
    public void Whitespace_around_and_inside_the_frame_is_allowed()
    {
        Assert.Equal("r", ParseAs<JoinMessage>(" \r\n{ \"type\" : \"join\" ,\n \"roomId\" : \"r\" } \n").RoomId);
    }

    [Fact]
    public void Content_keeps_the_clients_exact_text_including_whitespace_and_escapes()
    {
        const string content = """{ "b" : [ 1 , 2.50e3 ], "s" : "\u00e9\n" }""";

        var message = ParseAs<RoomMessage>($$"""{"type":"message","roomId":"r","content":{{content}}}""");

        Assert.Equal(content, Text(message.Content));
    }

    [Fact]
    public void Content_is_a_copy_that_survives_reuse_of_the_receive_buffer()
    {
        var buffer = System.Text.Encoding.UTF8.GetBytes("""{"type":"message","roomId":"r","content":"abc"}""");

        var message = Assert.IsType<RoomMessage>(ClientMessageParser.Parse(buffer, ProtocolLimits.Default).Message);
        Array.Clear(buffer);

        Assert.Equal("\"abc\"", Text(message.Content));
    }

    [Fact]
    public void Content_exactly_at_the_limit_is_accepted()
    {
        var limits = new ProtocolLimits { MaxContentBytes = 5 };

        var result = Parse("""{"type":"message","roomId":"r","content":"abc"}""", limits);

        Assert.True(result.IsSuccess, result.Error?.Message);
    }

    [Fact]
    public void Id_exactly_at_the_limit_is_accepted()
    {
        var roomId = new string('r', ProtocolLimits.Default.MaxIdLength);

        Assert.Equal(roomId, ParseAs<JoinMessage>($$"""{"type":"join","roomId":"{{roomId}}"}""").RoomId);
    }

    [Fact]
    public void Auth_message_never_prints_its_token()
    {
        var auth = ParseAs<AuthMessage>("""{"type":"auth","token":"secret-token"}""");

        Assert.DoesNotContain("secret-token", auth.ToString(), StringComparison.Ordinal);
    }
}
