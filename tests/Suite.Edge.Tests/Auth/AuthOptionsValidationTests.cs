using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Auth;

namespace Suite.Edge.Tests.Auth;

public sealed class AuthOptionsValidationTests
{
    private static readonly AuthOptionsValidator Validator = new();

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new AuthOptions();

        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal(TimeSpan.FromSeconds(5), options.AuthTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.TokenRefreshGrace);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MetadataRefreshInterval);
        Assert.True(options.RequireHttpsMetadata);
    }

    [Fact]
    public void Session_deadlines_follow_expiry()
    {
        var options = new AuthOptions();
        var expiresAt = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(expiresAt.AddSeconds(-60), options.RefreshDueAt(expiresAt));
        Assert.Equal(expiresAt.AddSeconds(30), options.SessionEndsAt(expiresAt));
    }

    [Fact]
    public void Development_key_alone_is_valid()
    {
        Assert.True(Validator.Validate(null, new AuthOptions { SigningKey = AuthTestHost.DevKey }).Succeeded);
    }

    [Fact]
    public void Authority_with_audience_is_valid()
    {
        var options = new AuthOptions { Authority = "https://login.example/tenant", Audience = "suite-edge" };

        Assert.True(Validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Neither_key_nor_authority_is_an_error()
    {
        AssertFails(new AuthOptions(), "none is set");
    }

    [Theory]
    [InlineData("https://login.example", null)]
    [InlineData(null, "https://login.example/jwks")]
    public void Key_and_authority_together_are_an_error(string? authority, string? jwksUri)
    {
        AssertFails(
            new AuthOptions { SigningKey = AuthTestHost.DevKey, Authority = authority, JwksUri = jwksUri, Audience = "a" },
            "both set");
    }

    [Fact]
    public void Short_hs256_key_is_an_error()
    {
        AssertFails(new AuthOptions { SigningKey = "0123456789abcdef0123456789abcde" }, "31 bytes");
    }

    [Fact]
    public void Authority_and_jwks_uri_together_are_an_error()
    {
        AssertFails(
            new AuthOptions { Authority = "https://login.example", JwksUri = "https://login.example/jwks", Audience = "a" },
            "not both");
    }

    [Fact]
    public void Authority_needs_an_audience()
    {
        AssertFails(new AuthOptions { Authority = "https://login.example" }, "Audience is required");
    }

    [Fact]
    public void Http_authority_needs_require_https_metadata_off()
    {
        AssertFails(new AuthOptions { Authority = "http://login.example", Audience = "a" }, "https");
        Assert.True(Validator.Validate(null, new AuthOptions { Authority = "http://login.example", Audience = "a", RequireHttpsMetadata = false }).Succeeded);
    }

    [Fact]
    public void Relative_authority_is_an_error()
    {
        AssertFails(new AuthOptions { Authority = "login.example", Audience = "a" }, "absolute");
    }

    [Fact]
    public async Task Edge_does_not_start_without_auth_configuration()
    {
        using var host = AuthTestHost.Create(new FakeTimeProvider());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("none is set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_does_not_start_with_an_out_of_range_duration()
    {
        using var host = AuthTestHost.CreateDev(new FakeTimeProvider(), ("ClockSkew", "00:10:00"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("ClockSkew", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Durations_outside_their_bounds_are_named()
    {
        AssertFails(new AuthOptions { SigningKey = AuthTestHost.DevKey, AuthTimeout = TimeSpan.FromMilliseconds(50) }, "Auth:AuthTimeout is 00:00:00.0500000; it must be between 00:00:00.1000000 and 00:05:00");
        AssertFails(new AuthOptions { SigningKey = AuthTestHost.DevKey, MetadataRefreshInterval = TimeSpan.FromDays(2) }, "Auth:MetadataRefreshInterval");
        Assert.True(Validator.Validate(null, new AuthOptions { SigningKey = AuthTestHost.DevKey, AuthTimeout = TimeSpan.FromMilliseconds(100), TokenRefreshGrace = TimeSpan.FromHours(1) }).Succeeded);
    }

    [Fact]
    public async Task Edge_starts_with_a_development_key()
    {
        using var host = AuthTestHost.CreateDev(new FakeTimeProvider());

        await host.StartAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Hs256_key_outside_development_without_audience_and_issuer_stops_the_edge_at_start()
    {
        using var host = AuthTestHost.CreateIn(Environments.Production, new FakeTimeProvider(), ("SigningKey", AuthTestHost.DevKey), ("Audience", "suite-edge"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("outside Development needs Auth:Audience and Auth:Issuer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hs256_key_outside_development_with_audience_and_issuer_accepts_only_tokens_for_them()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        using var host = AuthTestHost.CreateIn(Environments.Production, time, ("SigningKey", AuthTestHost.DevKey), ("Audience", "suite-edge"), ("Issuer", "login"));
        await host.StartAsync(ct);
        string Token(string audience, string issuer) => DevTokens.Create(AuthTestHost.DevKey, "alice", TimeSpan.FromMinutes(5), time, new Dictionary<string, object> { ["aud"] = audience, ["iss"] = issuer });

        var ours = await host.Validator.ValidateAsync(Token("suite-edge", "login"), ct);
        var otherApi = await host.Validator.ValidateAsync(Token("billing-api", "login"), ct);
        var otherIssuer = await host.Validator.ValidateAsync(Token("suite-edge", "someone-else"), ct);

        Assert.True(ours.IsValid, ours.FailureReason);
        Assert.Equal(TokenFailureReasons.WrongAudience, otherApi.FailureReason);
        Assert.Equal(TokenFailureReasons.WrongIssuer, otherIssuer.FailureReason);
    }

    private static void AssertFails(AuthOptions options, string expected)
    {
        var result = Validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }
}
