using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Delivery;
using Suite.Edge.Protocol;
using static Suite.Edge.Tests.Protocol.ProtocolJson;

namespace Suite.Edge.Tests.Protocol;

public sealed class ServerFramesTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly ServerFrames _frames;

    public ServerFramesTests() => _frames = new ServerFrames(_time);

    public static TheoryData<string> FrameKinds() =>
    [
        "auth:ok", "auth:fail", "pong", "error", "user:joined", "user:left", "message", "direct",
        "reconnect", "joined", "left", "subscribed", "unsubscribed",
    ];

    private OutboundFrame Build(string kind) => kind switch
    {
        "auth:ok" => _frames.AuthOk("u1", "c1"),
        "auth:fail" => _frames.AuthFail("invalid_token"),
        "pong" => _frames.Pong(),
        "error" => _frames.Error(ErrorCodes.NotAMember, "Not in room 'r'."),
        "user:joined" => _frames.UserJoined("u1", "r"),
        "user:left" => _frames.UserLeft("u1", "r"),
        "message" => _frames.Message("r", "u1", "\"hi\""u8, seq: 1),
        "direct" => _frames.Direct("u1", "\"hi\""u8),
        "reconnect" => _frames.Reconnect("shutdown", TimeSpan.FromSeconds(3)),
        "joined" => _frames.Joined("r"),
        "left" => _frames.Left("r"),
        "subscribed" => _frames.Subscribed("x"),
        "unsubscribed" => _frames.Unsubscribed("x"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(FrameKinds))]
    public void Every_frame_starts_with_its_type(string kind)
    {
        var frame = Build(kind);

        var first = Read(frame).EnumerateObject().First();
        Assert.Equal("type", first.Name);
        Assert.Equal(kind, first.Value.GetString());
        Assert.Equal(kind, frame.Type);
        Assert.StartsWith($"{{\"type\":\"{kind}\"", Text(frame.Payload), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FrameKinds))]
    public void Every_frame_carries_an_id_and_the_current_timestamp(string kind)
    {
        _time.Advance(TimeSpan.FromMinutes(5));

        var json = Read(Build(kind));

        Assert.False(string.IsNullOrEmpty(json.GetProperty("id").GetString()));
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), json.GetProperty("timestamp").GetInt64());
    }

    [Fact]
    public void Ids_are_unique_across_many_frames_and_threads()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 20_000, i =>
        {
            var frame = i % 2 == 0 ? _frames.Pong() : _frames.Message("r", "u", "1"u8, i);
            ids.Add(Read(frame).GetProperty("id").GetString()!);
        });

        Assert.Equal(20_000, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Ids_from_separate_encoders_do_not_collide()
    {
        var other = new ServerFrames(_time);

        var first = Enumerable.Range(0, 1000).Select(_ => _frames.NewStamp().Id);
        var second = Enumerable.Range(0, 1000).Select(_ => other.NewStamp().Id);

        Assert.Equal(2000, first.Concat(second).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Ids_are_short_and_need_no_escaping()
    {
        var id = _frames.NewStamp().Id;

        Assert.Equal(22, id.Length);
        Assert.Matches("^[A-Za-z0-9_-]+$", id);
    }

    [Fact]
    public void A_given_stamp_is_used_instead_of_a_new_one()
    {
        var stamp = new FrameStamp("evt-1", 1234);

        var message = Read(_frames.Message("r", "u", "1"u8, 9, stamp));
        var joined = Read(_frames.UserJoined("u", "r", stamp));

        Assert.Equal("evt-1", message.GetProperty("id").GetString());
        Assert.Equal(1234, message.GetProperty("timestamp").GetInt64());
        Assert.Equal("evt-1", joined.GetProperty("id").GetString());
    }

    [Fact]
    public void Stamps_take_their_time_from_the_time_provider()
    {
        Assert.Equal(Start.ToUnixTimeMilliseconds(), _frames.NewStamp().Timestamp);
    }

    [Theory]
    [InlineData("\"plain text\"")]
    [InlineData("\"caf\u00e9 \\\"q\\\" \\u00e9 😀 <b>&amp;</b>\"")]
    [InlineData("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}")]
    [InlineData("{ \"spaced\" : [ 1 , 2 ] }")]
    [InlineData("[1,\"two\",3.0]")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("42")]
    [InlineData("-1.5e-7")]
    [InlineData("true")]
    [InlineData("false")]
    public void Content_of_every_json_kind_goes_from_client_frame_into_message_frame_unchanged(string content)
    {
        var parsed = ParseAs<RoomMessage>($$"""{"type":"message","roomId":"r","content":{{content}}}""");

        var frame = _frames.Message(parsed.RoomId, "u1", parsed.Content.Span, seq: 7);

        var text = Text(frame.Payload);
        Assert.Contains($"\"content\":{content},", text, StringComparison.Ordinal);
        using var expected = JsonDocument.Parse(content);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, Read(frame).GetProperty("content")));
    }

    [Fact]
    public void Direct_content_goes_into_the_direct_frame_unchanged()
    {
        var parsed = ParseAs<DirectMessage>("""{"type":"direct","to":"u2","content":{"n":[1, 2]}}""");

        var json = Read(_frames.Direct("u1", parsed.Content.Span));

        Assert.Equal("u1", json.GetProperty("from").GetString());
        Assert.Equal("""{"n":[1, 2]}""", json.GetProperty("content").GetRawText());
    }

    [Fact]
    public void Message_frame_has_the_fields_of_the_contract()
    {
        var json = Read(_frames.Message("room-1", "user-1", "\"hi\""u8, seq: 42));

        Assert.Equal("room-1", json.GetProperty("roomId").GetString());
        Assert.Equal("user-1", json.GetProperty("from").GetString());
        Assert.Equal("hi", json.GetProperty("content").GetString());
        Assert.Equal(42, json.GetProperty("seq").GetInt64());
    }

    [Fact]
    public void Invalid_content_is_refused_rather_than_sent_as_broken_json()
    {
        Assert.ThrowsAny<JsonException>(() => _frames.Message("r", "u", "{\"a\":"u8, 1));
        Assert.ThrowsAny<JsonException>(() => _frames.Message("r", "u", "1 2"u8, 1));

        // The next frame on the same thread is still well-formed.
        Assert.Equal("pong", Read(_frames.Pong()).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("line\nbreak\ttab\u0001")]
    [InlineData("unicode café 日本語 😀")]
    [InlineData("html <script>alert('x')</script> & more")]
    [InlineData("separators \u2028 \u2029")]
    public void Strings_are_escaped_so_they_read_back_unchanged(string value)
    {
        var joined = Read(_frames.UserJoined(value, value));
        var error = Read(_frames.Error(ErrorCodes.InvalidField, value, reference: value));

        Assert.Equal(value, joined.GetProperty("userId").GetString());
        Assert.Equal(value, joined.GetProperty("roomId").GetString());
        Assert.Equal(value, error.GetProperty("message").GetString());
        Assert.Equal(value, error.GetProperty("ref").GetString());
    }

    [Fact]
    public void Non_ascii_text_is_written_as_utf8_not_as_escapes()
    {
        var text = Text(_frames.UserJoined("日本語", "r").Payload);

        Assert.Contains("日本語", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_frame_carries_code_message_and_the_clients_id_as_ref()
    {
        var parsed = Parse("""{"type":"join","id":"req-9"}""");

        var json = Read(_frames.Error(parsed.Error!, parsed.ClientId));

        Assert.Equal(ErrorCodes.MissingField, json.GetProperty("code").GetString());
        Assert.Equal("Field 'roomId' is required.", json.GetProperty("message").GetString());
        Assert.Equal("req-9", json.GetProperty("ref").GetString());
    }

    [Fact]
    public void Error_frame_has_no_ref_when_the_client_sent_no_id()
    {
        Assert.False(Read(_frames.Error(ErrorCodes.InvalidJson, "bad")).TryGetProperty("ref", out _));
    }

    [Fact]
    public void Rate_limit_error_says_when_to_retry()
    {
        var json = Read(_frames.Error(ErrorCodes.RateLimited, "Slow down.", retryAfter: TimeSpan.FromMilliseconds(250)));

        Assert.Equal(250, json.GetProperty("retryAfterMs").GetInt64());
    }

    [Fact]
    public void Auth_ok_carries_the_user_connection_and_optional_session_facts()
    {
        var expires = Start.AddHours(1);

        var json = Read(_frames.AuthOk("u1", "c1", TimeSpan.FromSeconds(30), expires));

        Assert.Equal("u1", json.GetProperty("userId").GetString());
        Assert.Equal("c1", json.GetProperty("connectionId").GetString());
        Assert.Equal(30_000, json.GetProperty("heartbeatIntervalMs").GetInt64());
        Assert.Equal(expires.ToUnixTimeMilliseconds(), json.GetProperty("tokenExpiresAt").GetInt64());
    }

    [Fact]
    public void Auth_ok_leaves_out_session_facts_it_was_not_given()
    {
        var json = Read(_frames.AuthOk("u1", "c1"));

        Assert.False(json.TryGetProperty("heartbeatIntervalMs", out _));
        Assert.False(json.TryGetProperty("tokenExpiresAt", out _));
    }

    [Fact]
    public void Auth_fail_carries_a_reason()
    {
        Assert.Equal("token_expired", Read(_frames.AuthFail("token_expired")).GetProperty("reason").GetString());
    }

    [Fact]
    public void Pong_carries_the_server_time_and_the_pings_id()
    {
        _time.Advance(TimeSpan.FromSeconds(1));

        var json = Read(_frames.Pong("p-1"));

        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), json.GetProperty("ts").GetInt64());
        Assert.Equal("p-1", json.GetProperty("ref").GetString());
    }

    [Fact]
    public void Reconnect_frame_says_why_and_when_and_jumps_the_queue()
    {
        var frame = _frames.Reconnect("shutdown", TimeSpan.FromMilliseconds(1500));

        var json = Read(frame);
        Assert.Equal("shutdown", json.GetProperty("reason").GetString());
        Assert.Equal(1500, json.GetProperty("retryAfterMs").GetInt64());
        Assert.True(frame.Urgent);
    }

    [Fact]
    public void Acknowledgements_name_what_they_acknowledge_and_echo_the_ref()
    {
        var joined = Read(_frames.Joined("r1", "a"));
        var left = Read(_frames.Left("r1"));
        var subscribed = Read(_frames.Subscribed("ch", "b"));
        var unsubscribed = Read(_frames.Unsubscribed("ch"));

        Assert.Equal("r1", joined.GetProperty("roomId").GetString());
        Assert.Equal("a", joined.GetProperty("ref").GetString());
        Assert.Equal("r1", left.GetProperty("roomId").GetString());
        Assert.Equal("ch", subscribed.GetProperty("channel").GetString());
        Assert.Equal("b", subscribed.GetProperty("ref").GetString());
        Assert.Equal("ch", unsubscribed.GetProperty("channel").GetString());
    }

    [Fact]
    public void Payload_is_an_independent_array_not_overwritten_by_later_frames()
    {
        var first = _frames.UserJoined("first", "r");
        var before = first.Payload.ToArray();

        for (var i = 0; i < 100; i++)
        {
            _frames.Message("r", "u", Encoding.UTF8.GetBytes($"\"{new string('x', i * 100)}\""), i);
        }

        Assert.Equal(before, first.Payload.ToArray());
        Assert.Equal(first.Payload.Length, Text(first.Payload).Length);
    }

    [Fact]
    public void A_huge_frame_is_encoded_whole()
    {
        var content = $"\"{new string('x', 1_000_000)}\"";

        var json = Read(_frames.Message("r", "u", Encoding.UTF8.GetBytes(content), 1));

        Assert.Equal(1_000_000, json.GetProperty("content").GetString()!.Length);
    }
}
