using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Suite.Edge.Auth;

namespace Suite.Edge.Tests.Auth;

public sealed class TokenValidatorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly AuthTestHost _host;

    public TokenValidatorTests() => _host = AuthTestHost.CreateDev(_time);

    public void Dispose() => _host.Dispose();

    private TokenValidator Validator => _host.Validator;

    [Fact]
    public async Task Valid_token_gives_the_user_id_expiry_and_attributes()
    {
        var ct = TestContext.Current.CancellationToken;
        var token = DevTokens.Create(AuthTestHost.DevKey, "user-42", TimeSpan.FromMinutes(10), _time, new Dictionary<string, object>
        {
            ["tags"] = new[] { "beta", "staff" },
            ["region"] = "eu-west",
            ["platform"] = "ios",
            ["rooms"] = new[] { "r1", "r2" },
        });

        var outcome = await Validator.ValidateAsync(token, ct);

        Assert.True(outcome.IsValid, outcome.FailureReason);
        Assert.Equal("user-42", outcome.UserId);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), outcome.ExpiresAt);
        Assert.Equal(["beta", "staff"], outcome.Tags);
        Assert.Equal("eu-west", outcome.Region);
        Assert.Equal("ios", outcome.Platform);
        Assert.Null(outcome.FailureReason);

        using var claims = JsonDocument.Parse(outcome.ClaimsJson);
        Assert.Equal("user-42", claims.RootElement.GetProperty("sub").GetString());
        Assert.Equal(2, claims.RootElement.GetProperty("rooms").GetArrayLength());
    }

    [Fact]
    public async Task Tags_may_be_a_space_or_comma_separated_string()
    {
        var token = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time,
            new Dictionary<string, object> { ["tags"] = "beta staff,  vip, beta" });

        var outcome = await Validator.ValidateAsync(token, TestContext.Current.CancellationToken);

        Assert.True(outcome.IsValid, outcome.FailureReason);
        Assert.Equal(["beta", "staff", "vip"], outcome.Tags);
        Assert.Null(outcome.Region);
        Assert.Null(outcome.Platform);
    }

    [Fact]
    public async Task Token_without_attributes_has_no_tags()
    {
        var token = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time);

        var outcome = await Validator.ValidateAsync(token, TestContext.Current.CancellationToken);

        Assert.True(outcome.IsValid, outcome.FailureReason);
        Assert.Empty(outcome.Tags);
    }

    [Fact]
    public async Task Token_signed_with_another_key_has_a_bad_signature()
    {
        var token = DevTokens.Create("another-key-that-is-long-enough-0123456789", "u", TimeSpan.FromMinutes(1), _time);

        var outcome = await Validator.ValidateAsync(token, TestContext.Current.CancellationToken);

        AssertInvalid(TokenFailureReasons.BadSignature, outcome, token);
    }

    [Fact]
    public async Task Token_is_accepted_until_clock_skew_past_expiry_then_expired()
    {
        var ct = TestContext.Current.CancellationToken;
        var token = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(5), _time);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(29));
        Assert.True((await Validator.ValidateAsync(token, ct)).IsValid);

        _time.Advance(TimeSpan.FromSeconds(2));
        AssertInvalid(TokenFailureReasons.Expired, await Validator.ValidateAsync(token, ct), token);
    }

    [Fact]
    public async Task Token_from_the_future_is_not_yet_valid_beyond_clock_skew()
    {
        var ct = TestContext.Current.CancellationToken;
        var later = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromMinutes(2));
        var slightlyLater = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromSeconds(20));

        var early = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(10), later);
        var withinSkew = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(10), slightlyLater);

        AssertInvalid(TokenFailureReasons.NotYetValid, await Validator.ValidateAsync(early, ct), early);
        Assert.True((await Validator.ValidateAsync(withinSkew, ct)).IsValid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Token_without_a_sub_is_refused(string? subject)
    {
        var claims = new Dictionary<string, object> { ["name"] = "Ann", ["uid"] = "user-1" };
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        var token = Sign(claims);

        AssertInvalid(TokenFailureReasons.MissingSub, await Validator.ValidateAsync(token, TestContext.Current.CancellationToken), token);
    }

    [Theory]
    [InlineData("garbage", TokenFailureReasons.Malformed)]
    [InlineData("a.b.c", TokenFailureReasons.Malformed)]
    [InlineData("", TokenFailureReasons.Missing)]
    [InlineData("  ", TokenFailureReasons.Missing)]
    public async Task Garbage_is_refused(string token, string reason)
    {
        AssertInvalid(reason, await Validator.ValidateAsync(token, TestContext.Current.CancellationToken), token);
    }

    [Fact]
    public async Task Unsigned_token_with_alg_none_is_refused()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode($$"""{"sub":"mallory","iat":{{now}},"exp":{{now + 600}}}""");
        var token = $"{header}.{payload}.";

        AssertInvalid(TokenFailureReasons.Unsigned, await Validator.ValidateAsync(token, TestContext.Current.CancellationToken), token);
    }

    [Fact]
    public async Task Token_without_an_expiry_is_refused()
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = "u" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthTestHost.DevKey)), SecurityAlgorithms.HmacSha256),
        });

        AssertInvalid(TokenFailureReasons.NoExpiry, await Validator.ValidateAsync(token, TestContext.Current.CancellationToken), token);
    }

    [Fact]
    public async Task Hs384_token_is_refused_in_development_mode()
    {
        var token = Sign(new Dictionary<string, object> { ["sub"] = "u" }, SecurityAlgorithms.HmacSha384);

        var outcome = await Validator.ValidateAsync(token, TestContext.Current.CancellationToken);

        Assert.False(outcome.IsValid);
        Assert.Equal(TokenFailureReasons.AlgorithmNotAllowed, outcome.FailureReason);
    }

    [Fact]
    public async Task Configured_audience_and_issuer_are_checked()
    {
        var ct = TestContext.Current.CancellationToken;
        using var host = AuthTestHost.CreateDev(_time, ("Audience", "suite-edge"), ("Issuer", "https://login.example"));
        var right = new Dictionary<string, object> { ["aud"] = "suite-edge", ["iss"] = "https://login.example" };

        var good = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time, right);
        var wrongAudience = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time,
            new Dictionary<string, object>(right) { ["aud"] = "other-api" });
        var wrongIssuer = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time,
            new Dictionary<string, object>(right) { ["iss"] = "https://evil.example" });
        var noAudience = DevTokens.Create(AuthTestHost.DevKey, "u", TimeSpan.FromMinutes(1), _time,
            new Dictionary<string, object> { ["iss"] = "https://login.example" });

        Assert.True((await host.Validator.ValidateAsync(good, ct)).IsValid);
        AssertInvalid(TokenFailureReasons.WrongAudience, await host.Validator.ValidateAsync(wrongAudience, ct), wrongAudience);
        AssertInvalid(TokenFailureReasons.WrongIssuer, await host.Validator.ValidateAsync(wrongIssuer, ct), wrongIssuer);
        AssertInvalid(TokenFailureReasons.WrongAudience, await host.Validator.ValidateAsync(noAudience, ct), noAudience);
    }

    [Fact]
    public void Dev_tokens_refuse_a_short_key()
    {
        Assert.Throws<ArgumentException>(() => DevTokens.Create("short", "u", TimeSpan.FromMinutes(1), _time));
    }

    internal static void AssertInvalid(string reason, TokenValidationOutcome outcome, string token)
    {
        Assert.False(outcome.IsValid);
        Assert.Equal(reason, outcome.FailureReason);
        Assert.Null(outcome.UserId);
        if (token.Trim().Length > 0)
        {
            Assert.DoesNotContain(token.Trim(), outcome.FailureReason, StringComparison.Ordinal);
        }
    }

    private string Sign(Dictionary<string, object> claims, string algorithm = SecurityAlgorithms.HmacSha256)
    {
        // HS384 needs a 48-byte key; the signature may be right or wrong, the algorithm alone must be refused.
        var keyText = algorithm == SecurityAlgorithms.HmacSha256 ? AuthTestHost.DevKey : AuthTestHost.DevKey + AuthTestHost.DevKey;
        var now = _time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(keyText)), algorithm),
        });
    }
}
