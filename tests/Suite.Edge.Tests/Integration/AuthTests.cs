using Suite.Edge.Auth;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Integration;

public sealed class AuthTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Auth_frame_with_a_valid_token_gets_auth_ok_with_the_user_from_sub()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct);

        await client.SendAsync(new { type = "auth", token = _edge.Token("alice") }, ct);

        var ok = await client.ReceiveAsync(ct);
        Assert.Equal("auth:ok", ok.GetProperty("type").GetString());
        Assert.Equal("alice", ok.GetProperty("userId").GetString());
        Assert.False(string.IsNullOrEmpty(ok.GetProperty("id").GetString()));
        Assert.True(ok.GetProperty("timestamp").GetInt64() > 0);
        await Suite.Testing.Eventually.UntilAsync(() => _edge.Upstream.Presence.Connections.Any(c => c.UserId == "alice" && c.EdgeId == _edge.EdgeId), TimeSpan.FromSeconds(5), ct, "presence learns of the connection");
    }

    [Fact]
    public async Task Token_in_the_authorization_header_authenticates_at_upgrade()
    {
        var ct = TestContext.Current.CancellationToken;
        var token = _edge.Token("bob");
        await using var client = await _edge.ConnectAsync(ct, options => options.SetRequestHeader("Authorization", $"Bearer {token}"));

        var ok = await client.ReceiveAsync(ct);

        Assert.Equal("auth:ok", ok.GetProperty("type").GetString());
        Assert.Equal("bob", ok.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Token_in_the_access_token_query_authenticates_at_upgrade()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct, query: "access_token=" + _edge.Token("carol"));

        var ok = await client.ReceiveAsync(ct);

        Assert.Equal("carol", ok.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Bad_token_gets_auth_fail_and_close_4001()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct);

        await client.SendAsync(new { type = "auth", token = "not-a-jwt" }, ct);

        var (code, _, frames) = await client.ReceiveCloseAsync(ct);
        Assert.Equal("auth:fail", Assert.Single(frames).GetProperty("type").GetString());
        Assert.Equal(CloseCodes.AuthFailed, code);
    }

    [Theory]
    [InlineData(257, "")]
    [InlineData(8, "a||b")]
    public async Task Token_with_a_sub_services_refuse_gets_auth_fail_and_close_4001(int length, string sub)
    {
        // Presence and room refuse such user ids: accepted here, the session would be half-working.
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct);

        await client.SendAsync(new { type = "auth", token = _edge.Token(sub.Length > 0 ? sub : new string('u', length)) }, ct);

        var (code, _, frames) = await client.ReceiveCloseAsync(ct);
        var fail = Assert.Single(frames);
        Assert.Equal("auth:fail", fail.GetProperty("type").GetString());
        Assert.Equal(TokenFailureReasons.InvalidSub, fail.GetProperty("reason").GetString());
        Assert.Equal(CloseCodes.AuthFailed, code);
    }

    [Fact]
    public async Task Token_with_a_sub_of_256_characters_is_accepted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct);

        await client.SendAsync(new { type = "auth", token = _edge.Token(new string('u', 256)) }, ct);

        Assert.Equal(new string('u', 256), (await client.ReceiveAsync("auth:ok", ct)).GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Expired_token_at_upgrade_gets_auth_fail_and_close_4001()
    {
        var ct = TestContext.Current.CancellationToken;
        var token = _edge.Token("dave", TimeSpan.FromMinutes(1));
        _edge.Time.Advance(TimeSpan.FromMinutes(5));
        await using var client = await _edge.ConnectAsync(ct, query: "access_token=" + token);

        var (code, _, frames) = await client.ReceiveCloseAsync(ct);

        var fail = Assert.Single(frames);
        Assert.Equal("auth:fail", fail.GetProperty("type").GetString());
        Assert.Equal("token expired", fail.GetProperty("reason").GetString());
        Assert.Equal(CloseCodes.AuthFailed, code);
    }

    [Fact]
    public async Task No_auth_within_the_auth_timeout_closes_with_4001()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsync(ct);
        await client.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("error", (await client.ReceiveAsync(ct)).GetProperty("type").GetString());

        _edge.Time.Advance(TimeSpan.FromSeconds(6));

        var (code, _, _) = await client.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.AuthFailed, code);
    }

    [Fact]
    public async Task Token_expiring_during_the_session_closes_it_unless_refreshed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var stale = await _edge.ConnectAsync(ct);
        await stale.SendAsync(new { type = "auth", token = _edge.Token("erin", TimeSpan.FromMinutes(2)) }, ct);
        await _edge.InboxReadAsync(await stale.ReceiveAsync("auth:ok", ct), ct);
        await using var refreshed = await _edge.ConnectAsync(ct);
        await refreshed.SendAsync(new { type = "auth", token = _edge.Token("frank", TimeSpan.FromMinutes(2)) }, ct);
        // The clock moves next: an inbox read still out would time out on it and hold the refresh's answer.
        await _edge.InboxReadAsync(await refreshed.ReceiveAsync("auth:ok", ct), ct);

        _edge.Time.Advance(TimeSpan.FromMinutes(1));
        await refreshed.SendAsync(new { type = "auth", token = _edge.Token("frank", TimeSpan.FromMinutes(10)) }, ct);
        await refreshed.ReceiveAsync("auth:ok", ct);
        _edge.Time.Advance(TimeSpan.FromMinutes(2));

        var (code, _, _) = await stale.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.TokenExpired, code);
        await refreshed.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("pong", (await refreshed.ReceiveAsync("pong", ct)).GetProperty("type").GetString());
    }
}
