using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>
/// Makes and checks service tokens: JWTs (HS256, the shared <see cref="ServiceAuthOptions.ServiceKey"/>)
/// with issuer <see cref="Issuer"/>, audience <see cref="Audience"/> and the calling service as
/// <c>sub</c>. A caller reuses its token until half of its lifetime is gone.
/// </summary>
public sealed class ServiceTokens(IOptions<ServiceAuthOptions> options, TimeProvider time)
{
    public const string Issuer = "suite";

    public const string Audience = "suite-internal";

    // Between processes whose clocks differ a little.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private (string Service, string Token, DateTimeOffset RenewAt)? _current;

    /// <summary>A token naming <paramref name="service"/> as the caller.</summary>
    public string For(string service)
    {
        var now = time.GetUtcNow();
        if (_current is { } current && current.Service == service && now < current.RenewAt)
        {
            return current.Token;
        }

        var lifetime = options.Value.TokenLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, service)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime - ClockSkew,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(Key(), SecurityAlgorithms.HmacSha256),
        });
        _current = (service, token, now + lifetime / 2);
        return token;
    }

    /// <summary>The calling service the token names, or why it is refused.</summary>
    public async Task<(string? Service, string? Problem)> CheckAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = Key(),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, _, _) =>
                time.GetUtcNow() is var now && (notBefore is null || now >= notBefore.Value - ClockSkew) && expires is not null && now <= expires.Value + ClockSkew,
        });
        if (!result.IsValid)
        {
            return (null, result.Exception?.Message ?? "invalid service token");
        }

        return result.Claims.TryGetValue(JwtRegisteredClaimNames.Sub, out var sub) && sub is string { Length: > 0 } service
            ? (service, null)
            : (null, "the service token names no service (sub)");
    }

    private SymmetricSecurityKey Key() => new(Encoding.UTF8.GetBytes(options.Value.ServiceKey));
}
