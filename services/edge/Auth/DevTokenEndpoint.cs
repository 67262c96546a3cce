using Microsoft.Extensions.Options;

namespace Suite.Edge.Auth;

public static class DevTokenEndpoint
{
    /// <summary>
    /// <c>GET /dev/token?user=alice</c>: a one-hour token signed with the development key, so a
    /// quick start needs no identity provider. Mapped only in the Development environment.
    /// </summary>
    public static IEndpointRouteBuilder MapDevTokens(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dev/token", (string? user, IOptions<AuthOptions> options, TimeProvider time) =>
        {
            if (string.IsNullOrWhiteSpace(user))
            {
                return Results.Problem("query parameter 'user' is required", statusCode: StatusCodes.Status400BadRequest);
            }

            if (string.IsNullOrEmpty(options.Value.SigningKey))
            {
                return Results.Problem("dev tokens need Auth:SigningKey (HS256); this edge validates with an authority", statusCode: StatusCodes.Status409Conflict);
            }

            return Results.Json(new { token = DevTokens.Create(options.Value.SigningKey, user, TimeSpan.FromHours(1), time), userId = user });
        });
        return app;
    }
}
