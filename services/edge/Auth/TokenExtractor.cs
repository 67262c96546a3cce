using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Suite.Edge.Auth;

/// <summary>Finds a token on a WebSocket upgrade request.</summary>
public static class TokenExtractor
{
    public const string QueryParameter = "access_token";

    private const string BearerPrefix = "Bearer ";

    /// <summary>
    /// The <c>Authorization: Bearer</c> token, else the <c>access_token</c> query value (browsers
    /// cannot set headers on a WebSocket); null when neither carries a token.
    /// </summary>
    public static string? FromRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        foreach (var value in request.Headers[HeaderNames.Authorization])
        {
            if (value is not null && value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var token = value.AsSpan(BearerPrefix.Length).Trim();
                if (!token.IsEmpty)
                {
                    return token.ToString();
                }
            }
        }

        foreach (var value in request.Query[QueryParameter])
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }
}
