using System.Net.WebSockets;
using System.Text;

using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>Every kind of bad frame gets an error naming the problem, and the connection stays usable.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(
        TestContext.Current.CancellationToken,
        new Dictionary<string, string> { ["Connections:MaxRoomsPerConnection"] = "2" });

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Theory]
    [InlineData("{not json", "invalid_json", null)]
    [InlineData("[1,2]", "invalid_json", null)]
    [InlineData("""{"type":"teleport"}""", "unknown_type", "teleport")]
    [InlineData("""{"type":"join"}""", "missing_field", "roomId")]
    [InlineData("""{"type":"join","roomId":42}""", "invalid_field", "roomId")]
    [InlineData("""{"type":"message","roomId":"r"}""", "missing_field", "content")]
    [InlineData("""{"roomId":"r"}""", "missing_field", "type")]
    public async Task Bad_frame_gets_an_error_naming_the_problem_and_the_connection_stays_usable(string frame, string code, string? named)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("alice", ct);

        await client.SendTextAsync(frame, ct);

        var error = await client.ReceiveAsync("error", ct);
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (named is not null)
        {
            Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        await AssertStillUsableAsync(client, ct);
    }

    [Fact]
    public async Task Oversized_room_id_is_refused_with_invalid_field()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("alice", ct);

        await client.SendAsync(new { type = "join", roomId = new string('r', 500) }, ct);

        var error = await client.ReceiveAsync("error", ct);
        Assert.Equal("invalid_field", error.GetProperty("code").GetString());
        Assert.Contains("roomId", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await AssertStillUsableAsync(client, ct);
        Assert.DoesNotContain(_edge.Upstream.Room.CallLog, call => call.StartsWith("Join", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Binary_frame_on_the_json_protocol_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("alice", ct);

        await client.Socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"ping"}"""), WebSocketMessageType.Binary, true, ct);

        Assert.Equal("binary_not_supported", (await client.ReceiveAsync("error", ct)).GetProperty("code").GetString());
        await AssertStillUsableAsync(client, ct);
    }

    [Fact]
    public async Task Join_before_auth_is_refused_with_not_authenticated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct);

        await client.SendAsync(new { type = "join", roomId = "r" }, ct);

        Assert.Equal("not_authenticated", (await client.ReceiveAsync("error", ct)).GetProperty("code").GetString());
        await client.SendAsync(new { type = "auth", token = _edge.Token("alice") }, ct);
        await client.ReceiveAsync("auth:ok", ct);
    }

    [Fact]
    public async Task Message_to_a_room_not_joined_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("alice", ct);

        await client.SendAsync(new { type = "message", roomId = "elsewhere", content = "hi", id = "m1" }, ct);

        var error = await client.ReceiveAsync("error", ct);
        Assert.Equal("not_a_member", error.GetProperty("code").GetString());
        Assert.Equal("m1", error.GetProperty("ref").GetString());
    }

    [Fact]
    public async Task Joining_more_rooms_than_allowed_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("alice", ct);
        foreach (var room in new[] { "a", "b" })
        {
            await client.SendAsync(new { type = "join", roomId = room }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await client.SendAsync(new { type = "join", roomId = "c" }, ct);

        Assert.Equal("too_many_rooms", (await client.ReceiveAsync("error", ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Upstream_failure_is_an_error_frame_and_the_join_is_undone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("alice", ct);
        _edge.Upstream.Room.FailWith = Grpc.Core.StatusCode.Unavailable;

        await client.SendAsync(new { type = "join", roomId = "r" }, ct);

        Assert.Equal("upstream_unavailable", (await client.ReceiveAsync("error", ct)).GetProperty("code").GetString());
        await client.SendAsync(new { type = "message", roomId = "r", content = "x" }, ct);
        Assert.Equal("not_a_member", (await client.ReceiveAsync("error", ct)).GetProperty("code").GetString());
    }

    private static async Task AssertStillUsableAsync(TestClient client, CancellationToken ct)
    {
        await client.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("pong", (await client.ReceiveAsync("pong", ct)).GetProperty("type").GetString());
    }
}
