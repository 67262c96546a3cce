using System.Security.Claims;
using System.Text;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Suite.Notifications.Client;

/// <summary>
/// The service token a gRPC call to the suite carries when the suite runs with
/// <c>Internal:ServiceKey</c> (README, "Presence, room and notification"): <c>authorization: Bearer</c>
/// a JWT signed HS256 with that key, <c>iss</c> <c>suite</c>, <c>aud</c> <c>suite-internal</c>, <c>sub</c>
/// the calling service. Either made here from the key (<see cref="FromKey"/>) or supplied by the
/// application, e.g. from its secret store (<see cref="FromProvider"/>).
/// </summary>
public sealed class ServiceTokenSource
{
    private const string Issuer = "suite";
    private const string Audience = "suite-internal";
    // The service allows this much clock difference; a token made here is valid from that far back.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly Func<CancellationToken, ValueTask<string>> _provider;

    private ServiceTokenSource(Func<CancellationToken, ValueTask<string>> provider) => _provider = provider;

    /// <summary>Tokens signed with <paramref name="serviceKey"/> naming <paramref name="service"/>, each reused for half of <paramref name="lifetime"/> (default 10 minutes).</summary>
    /// <exception cref="ArgumentException">The key is shorter than 32 bytes of UTF-8 (HS256), or the service name is empty.</exception>
    public static ServiceTokenSource FromKey(string serviceKey, string service = "business", TimeSpan? lifetime = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(serviceKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        if (Encoding.UTF8.GetByteCount(serviceKey) < 32)
        {
            throw new ArgumentException("the service key must be at least 32 bytes of UTF-8 (HS256), as Internal:ServiceKey is", nameof(serviceKey));
        }

        var tokenLifetime = lifetime ?? TimeSpan.FromMinutes(10);
        if (tokenLifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "must be positive");
        }

        var minter = new KeyMinter(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(serviceKey)), service, tokenLifetime, time ?? TimeProvider.System);
        return new ServiceTokenSource(_ => ValueTask.FromResult(minter.Current()));
    }

    /// <summary>Tokens from the application (called before every call; cache there).</summary>
    public static ServiceTokenSource FromProvider(Func<CancellationToken, ValueTask<string>> provider) =>
        new(provider ?? throw new ArgumentNullException(nameof(provider)));

    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => _provider(cancellationToken);

    /// <summary>As gRPC call credentials.</summary>
    public CallCredentials ToCallCredentials() => CallCredentials.FromInterceptor(async (context, metadata) =>
        metadata.Add("authorization", "Bearer " + await _provider(context.CancellationToken)));

    private sealed class KeyMinter(SymmetricSecurityKey key, string service, TimeSpan lifetime, TimeProvider time)
    {
        private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
        // Swapped whole: many calls read it while one renews it.
        private volatile Issued? _issued;

        public string Current()
        {
            var now = time.GetUtcNow();
            if (_issued is { } issued && now < issued.RenewAt)
            {
                return issued.Token;
            }

            var token = _handler.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Issuer,
                Audience = Audience,
                Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, service)]),
                IssuedAt = now.UtcDateTime,
                NotBefore = (now - ClockSkew).UtcDateTime,
                Expires = (now + lifetime).UtcDateTime,
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            });
            _issued = new Issued(token, now + lifetime / 2);
            return token;
        }

        private sealed record Issued(string Token, DateTimeOffset RenewAt);
    }
}
