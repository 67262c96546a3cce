using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Suite.Edge.Auth;

/// <summary>
/// Mints HS256 tokens the edge accepts in development mode (and the peers accept too): for tests, the
/// load generator and a development-only token endpoint. Never for production keys.
/// </summary>
public static class DevTokens
{
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>A token for <paramref name="userId"/> (<c>sub</c>), valid from now for <paramref name="lifetime"/>.</summary>
    /// <param name="extraClaims">Added to the payload, e.g. <c>tags</c>, <c>region</c>, <c>platform</c>, <c>aud</c>, <c>iss</c>; <c>sub</c> is always <paramref name="userId"/>.</param>
    public static string Create(
        string signingKey,
        string userId,
        TimeSpan lifetime,
        TimeProvider timeProvider,
        IDictionary<string, object>? extraClaims = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var claims = extraClaims is null
            ? new Dictionary<string, object>(StringComparer.Ordinal)
            : new Dictionary<string, object>(extraClaims, StringComparer.Ordinal);
        claims[JwtRegisteredClaimNames.Sub] = userId;

        var now = timeProvider.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(CreateKey(signingKey), SecurityAlgorithms.HmacSha256),
        });
    }

    internal static SymmetricSecurityKey CreateKey(string signingKey)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        var bytes = Encoding.UTF8.GetBytes(signingKey);
        if (bytes.Length < AuthOptions.MinSigningKeyBytes)
        {
            throw new ArgumentException(
                $"An HS256 key needs at least {AuthOptions.MinSigningKeyBytes} bytes; this one has {bytes.Length}.", nameof(signingKey));
        }

        return new SymmetricSecurityKey(bytes);
    }
}
