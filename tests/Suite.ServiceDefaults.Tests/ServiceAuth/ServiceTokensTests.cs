using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.ServiceDefaults.Tests.ServiceAuth;

public sealed class ServiceTokensTests
{
    private const string Key = "a-service-key-of-at-least-32-bytes!";

    [Fact]
    public async Task A_token_names_its_service_and_is_reused_until_half_its_lifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tokens = Tokens(Key, time);

        var first = tokens.For("edge");
        time.Advance(TimeSpan.FromMinutes(4));
        var reused = tokens.For("edge");
        time.Advance(TimeSpan.FromMinutes(2));
        var renewed = tokens.For("edge");

        Assert.Equal(first, reused);
        Assert.NotEqual(first, renewed);
        Assert.Equal(("edge", (string?)null), await tokens.CheckAsync(renewed));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_expired_or_garbled_is_refused_with_a_reason()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tokens = Tokens(Key, time);
        var foreign = Tokens("another-service-key-of-32-bytes-or-more", time).For("edge");
        var token = tokens.For("room");

        var (foreignService, foreignProblem) = await tokens.CheckAsync(foreign);
        var (garbledService, garbledProblem) = await tokens.CheckAsync("not.a.token");
        time.Advance(TimeSpan.FromMinutes(11));
        var (expiredService, expiredProblem) = await tokens.CheckAsync(token);

        Assert.Null(foreignService);
        Assert.False(string.IsNullOrEmpty(foreignProblem));
        Assert.Null(garbledService);
        Assert.False(string.IsNullOrEmpty(garbledProblem));
        Assert.Null(expiredService);
        Assert.False(string.IsNullOrEmpty(expiredProblem));
    }

    [Fact]
    public void A_key_under_32_bytes_fails_validation()
    {
        var short_ = new ServiceAuthOptions { ServiceKey = "too-short" };
        var results = short_.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(short_)).ToList();

        Assert.Contains(results, r => r.ErrorMessage!.Contains("at least 32 bytes", StringComparison.Ordinal));
        Assert.Empty(new ServiceAuthOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(short_)));
    }

    [Fact]
    public void Only_the_listed_services_may_call_a_listed_method_and_anyone_the_others()
    {
        var policy = new CallerPolicy(new Dictionary<string, string[]> { ["/suite.room.v1.RoomService/Join"] = ["edge"] });

        Assert.True(policy.Allows("/suite.room.v1.RoomService/Join", "edge"));
        Assert.False(policy.Allows("/suite.room.v1.RoomService/Join", "notification"));
        Assert.True(policy.Allows("/suite.room.v1.RoomService/PublishToChannel", "notification"));
    }

    private static ServiceTokens Tokens(string key, TimeProvider time) =>
        new(Options.Create(new ServiceAuthOptions { ServiceKey = key }), time);
}
