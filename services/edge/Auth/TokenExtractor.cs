using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
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
        return From(request.Headers[HeaderNames.Authorization], request.Query[QueryParameter]);
    }

    /// <summary>
    /// The same rule over raw parts: <paramref name="authorization"/> header values and the raw
    /// query string (decoded as <see cref="HttpRequest.Query"/> decodes it), for the edge's own handshake.
    /// </summary>
    public static string? FromParts(StringValues authorization, string? rawQuery) =>
        From(authorization, string.IsNullOrEmpty(rawQuery) ? StringValues.Empty : QueryHelpers.ParseQuery(rawQuery).GetValueOrDefault(QueryParameter));

    private static string? From(StringValues authorization, StringValues accessTokens)
    {
        foreach (var value in authorization)
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

        foreach (var value in accessTokens)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// Drops the token from an upgraded request: the <c>Authorization</c> header, and the query
    /// (raw target, query string and parsed query each hold a copy). An upgraded request lives as
    /// long as its WebSocket, so otherwise every idle connection keeps its token (about 1.2 KB for a
    /// small JWT) in memory, and the request-finished log line would carry it.
    /// </summary>
    public static void RemoveFromRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var request = context.Request;
        if (request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            request.Headers.Authorization = default;
        }

        if (request.QueryString.HasValue)
        {
            request.Query = QueryCollection.Empty;
            if (context.Features.Get<IHttpRequestFeature>() is { } feature)
            {
                feature.RawTarget = feature.PathBase + feature.Path;
            }
        }
    }
}
