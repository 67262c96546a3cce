using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Auth;
using Suite.LocalServers;

namespace Suite.Edge.Tests.Auth;

public sealed class TokenValidatorKeySetTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private JwksServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await JwksServer.StartAsync(TestContext.Current.CancellationToken);
        _server.AddKey("k1");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private AuthTestHost AuthorityHost(params (string Key, string? Value)[] extra) => AuthTestHost.Create(
        _time,
        [("Authority", _server.BaseUrl), ("Audience", JwksServer.Audience), ("RequireHttpsMetadata", "false"), .. extra]);

    [Fact]
    public async Task Token_from_the_authority_is_valid_and_keys_are_cached()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthorityHost();
        var token = _server.CreateToken("k1", "user-7", _time);

        var first = await host.Validator.ValidateAsync(token, ct);
        var second = await host.Validator.ValidateAsync(token, ct);

        Assert.True(first.IsValid, first.FailureReason);
        Assert.Equal("user-7", first.UserId);
        Assert.Equal("us-east", first.Region);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), first.ExpiresAt);
        Assert.True(second.IsValid);
        Assert.Equal(1, _server.JwksRequests);
    }

    [Fact]
    public async Task Token_signed_with_a_newly_published_key_validates_after_a_refresh()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthorityHost();
        Assert.True((await host.Validator.ValidateAsync(_server.CreateToken("k1", "u", _time), ct)).IsValid);

        _server.AddKey("k2");
        _server.Unpublish("k1");
        var rotated = await host.Validator.ValidateAsync(_server.CreateToken("k2", "u", _time), ct);

        Assert.True(rotated.IsValid, rotated.FailureReason);
        Assert.Equal(2, _server.JwksRequests);
    }

    [Fact]
    public async Task Token_signed_with_a_key_the_authority_never_published_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthorityHost();
        _server.AddKey("forged", publish: false);
        var token = _server.CreateToken("forged", "u", _time);

        TokenValidatorTests.AssertInvalid(TokenFailureReasons.UnknownKey, await host.Validator.ValidateAsync(token, ct), token);
    }

    [Fact]
    public async Task Audience_and_the_metadata_issuer_are_checked()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthorityHost();
        var otherApi = _server.CreateToken("k1", "u", _time, audience: "billing-api");
        var otherIssuer = _server.CreateToken("k1", "u", _time, issuer: "https://evil.example");

        TokenValidatorTests.AssertInvalid(TokenFailureReasons.WrongAudience, await host.Validator.ValidateAsync(otherApi, ct), otherApi);
        TokenValidatorTests.AssertInvalid(TokenFailureReasons.WrongIssuer, await host.Validator.ValidateAsync(otherIssuer, ct), otherIssuer);
    }

    [Fact]
    public async Task Hs256_token_is_refused_in_authority_mode()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthorityHost();
        var token = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time,
            new Dictionary<string, object> { ["aud"] = JwksServer.Audience, ["iss"] = _server.BaseUrl });

        var outcome = await host.Validator.ValidateAsync(token, ct);

        Assert.False(outcome.IsValid);
        Assert.Equal(TokenFailureReasons.AlgorithmNotAllowed, outcome.FailureReason);
    }

    [Fact]
    public async Task Jwks_uri_mode_checks_a_configured_issuer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthTestHost.Create(
            _time,
            ("JwksUri", _server.JwksUrl), ("Issuer", "https://login.example"), ("Audience", JwksServer.Audience), ("RequireHttpsMetadata", "false"));
        var good = _server.CreateToken("k1", "user-9", _time, issuer: "https://login.example");
        var bad = _server.CreateToken("k1", "user-9", _time);

        var outcome = await host.Validator.ValidateAsync(good, ct);

        Assert.True(outcome.IsValid, outcome.FailureReason);
        Assert.Equal("user-9", outcome.UserId);
        TokenValidatorTests.AssertInvalid(TokenFailureReasons.WrongIssuer, await host.Validator.ValidateAsync(bad, ct), bad);
    }

    [Fact]
    public async Task Jwks_uri_mode_rotates_keys_too()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthTestHost.Create(
            _time, ("JwksUri", _server.JwksUrl), ("Audience", JwksServer.Audience), ("RequireHttpsMetadata", "false"));
        Assert.True((await host.Validator.ValidateAsync(_server.CreateToken("k1", "u", _time), ct)).IsValid);

        _server.AddKey("k2");
        var rotated = await host.Validator.ValidateAsync(_server.CreateToken("k2", "u", _time), ct);

        Assert.True(rotated.IsValid, rotated.FailureReason);
    }

    [Fact]
    public async Task Unreachable_authority_means_signing_keys_unavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthTestHost.Create(
            _time,
            ("Authority", $"http://127.0.0.1:{FreePort.Next()}"), ("Audience", JwksServer.Audience), ("RequireHttpsMetadata", "false"));
        var token = _server.CreateToken("k1", "u", _time);

        var outcome = await host.Validator.ValidateAsync(token, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(15), ct);

        TokenValidatorTests.AssertInvalid(TokenFailureReasons.KeysUnavailable, outcome, token);
    }

    [Fact]
    public async Task Plain_http_metadata_is_refused_unless_allowed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthorityHost(("RequireHttpsMetadata", "true"));

        await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(ct));
    }
}
