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

    // Callers reuse a token for half its lifetime, so a server sees the same few again and again: a
    // token checked once is known until it expires, without its signature checked on every call.
    private const int KnownTokensLimit = 256;

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Service, DateTimeOffset Expires)> _known = new(StringComparer.Ordinal);
    // One reference, swapped whole: callers on many threads read it while one of them renews it.
    private volatile IssuedToken? _current;

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
        _current = new IssuedToken(service, token, now + lifetime / 2);
        return token;
    }

    /// <summary>The calling service the token names, or why it is refused.</summary>
    public async Task<(string? Service, string? Problem)> CheckAsync(string token)
    {
        if (_known.TryGetValue(token, out var known) && time.GetUtcNow() <= known.Expires + ClockSkew)
        {
            return (known.Service, null);
        }

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

        if (!result.Claims.TryGetValue(JwtRegisteredClaimNames.Sub, out var sub) || sub is not string { Length: > 0 } service)
        {
            return (null, "the service token names no service (sub)");
        }

        if (_known.Count >= KnownTokensLimit)
        {
            _known.Clear();
        }

        _known[token] = (service, new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero));
        return (service, null);
    }

    private SymmetricSecurityKey Key() => new(Encoding.UTF8.GetBytes(options.Value.ServiceKey));

    private sealed record IssuedToken(string Service, string Token, DateTimeOffset RenewAt);
}
