using Microsoft.IdentityModel.Tokens;

namespace Suite.Edge.Auth;

// Microsoft.IdentityModel 8.x reads the clock through an internal TokenValidationParameters.TimeProvider,
// so lifetime is checked here against the injected TimeProvider instead, with the library's own rules
// (ClockSkew both ways) and exception types, which TokenValidator turns into reasons.
internal static class LifetimeCheck
{
    public static LifetimeValidator Using(TimeProvider timeProvider) => (notBefore, expires, _, parameters) =>
    {
        if (expires is null)
        {
            return parameters.RequireExpirationTime
                ? throw new SecurityTokenNoExpirationException("The token has no expiration time.")
                : true;
        }

        if (notBefore > expires)
        {
            throw new SecurityTokenInvalidLifetimeException("The token's not-before time is after its expiry.")
            {
                NotBefore = notBefore,
                Expires = expires,
            };
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        return true;
    };
}
