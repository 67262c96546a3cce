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
        "auth:ok", "auth:fail", "pong", "error", "reconnect", "joined", "left", "subscribed", "unsubscribed",
    ];

    private OutboundFrame Build(string kind) => kind switch
    {
        "auth:ok" => _frames.AuthOk("u1", "c1"),
        "auth:fail" => _frames.AuthFail("invalid_token"),
        "pong" => _frames.Pong(),
        "error" => _frames.Error(ErrorCodes.NotAMember, "Not in room 'r'."),
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
            var frame = i % 2 == 0 ? _frames.Pong() : _frames.Joined("r");
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
    public void Stamps_take_their_time_from_the_time_provider()
    {
        Assert.Equal(Start.ToUnixTimeMilliseconds(), _frames.NewStamp().Timestamp);
    }

    [Theory]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("line\nbreak\ttab\u0001")]
    [InlineData("unicode café 日本語 😀")]
    [InlineData("html <script>alert('x')</script> & more")]
    [InlineData("separators \u2028 \u2029")]
    public void Strings_are_escaped_so_they_read_back_unchanged(string value)
    {
        var joined = Read(_frames.Joined(value, reference: value));
        var error = Read(_frames.Error(ErrorCodes.InvalidField, value, reference: value));

        Assert.Equal(value, joined.GetProperty("roomId").GetString());
        Assert.Equal(value, joined.GetProperty("ref").GetString());
        Assert.Equal(value, error.GetProperty("message").GetString());
        Assert.Equal(value, error.GetProperty("ref").GetString());
    }

    [Fact]
    public void Non_ascii_text_is_written_as_utf8_not_as_escapes()
    {
        var text = Text(_frames.Joined("日本語").Payload);

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
    public void Joined_carries_the_room_position_and_the_answer_to_a_resume()
    {
        var plain = Text(_frames.Joined("r1", null, new RoomPosition(7, "ep")).Payload);
        var recovered = Text(_frames.Joined("r1", "j", new RoomPosition(9, "ep"), new ResumeAnswer(true, 2)).Payload);
        var notRecovered = Read(_frames.Joined("r1", null, new RoomPosition(9, "ep"), ResumeAnswer.NotRecovered));

        Assert.StartsWith("""{"type":"joined","roomId":"r1","seq":7,"epoch":"ep","timestamp":""", plain, StringComparison.Ordinal);
        Assert.StartsWith("""{"type":"joined","roomId":"r1","seq":9,"epoch":"ep","recovered":true,"missed":2,"ref":"j","timestamp":""", recovered, StringComparison.Ordinal);
        Assert.False(notRecovered.GetProperty("recovered").GetBoolean());
        Assert.False(notRecovered.TryGetProperty("missed", out _));
    }

    [Fact]
    public void History_embeds_each_rendered_message_as_it_is()
    {
        ReadOnlyMemory<byte>[] messages = [Encoding.UTF8.GetBytes("""{"type":"message","seq":1}"""), Encoding.UTF8.GetBytes("""{"type":"message","seq":2}""")];

        var text = Text(_frames.History("r1", messages, new RoomPosition(5, "ep"), "h1").Payload);

        Assert.StartsWith("""{"type":"history","roomId":"r1","messages":[{"type":"message","seq":1},{"type":"message","seq":2}],"seq":5,"epoch":"ep","ref":"h1","timestamp":""", text, StringComparison.Ordinal);
    }
}
