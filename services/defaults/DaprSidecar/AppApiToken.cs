using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Suite.ServiceDefaults.DaprSidecar;

/// <summary>
/// The app API token: with <c>APP_API_TOKEN</c> set (the variable daprd reads to sign its calls to
/// the app), every Dapr callback (<c>/dapr/*</c>: the subscription list and every topic route) must
/// carry it in <c>dapr-api-token</c>, else 401. It stops a caller that can reach the app's callback
/// port from forging deliveries; the sidecar, given the same value, passes.
/// </summary>
/// <remarks>
/// Not Dapr.AspNetCore's DaprAuthenticationHandler: that one needs authentication and authorization
/// on every route, treats a missing header as anonymous (a policy must then refuse it), compares with
/// string equality, and cannot say why it refused. Health and metrics stay open: kubelet probes and
/// scrapers send no token.
/// </remarks>
public static partial class AppApiToken
{
    /// <summary>The setting (configuration or environment) daprd and the emulator read.</summary>
    public const string Setting = "APP_API_TOKEN";

    public const string Header = "dapr-api-token";

    /// <summary>Every Dapr callback route of the suite lives below this path.</summary>
    public const string CallbackPath = "/dapr";

    /// <summary>True for a Dapr callback route.</summary>
    public static bool IsCallback(PathString path) => path.StartsWithSegments(CallbackPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>Requires the token on Dapr callbacks when <see cref="Setting"/> is set; does nothing otherwise.</summary>
    public static IApplicationBuilder UseAppApiToken(this IApplicationBuilder app)
    {
        var token = app.ApplicationServices.GetRequiredService<IConfiguration>()[Setting];
        if (string.IsNullOrEmpty(token))
        {
            return app;
        }

        var expected = Encoding.UTF8.GetBytes(token);
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AppApiToken).FullName!);

        // Not async on the way through: a WebSocket request lasts as long as its connection, and an
        // async frame here would stay on its stack for that long.
        return app.Use(next => context => IsCallback(context.Request.Path) && Refusal(context.Request, expected) is { } reason
            ? RefuseAsync(context, reason, logger)
            : next(context));
    }

    private static string? Refusal(HttpRequest request, byte[] expected)
    {
        var values = request.Headers[Header];
        if (values.Count == 0)
        {
            return "no " + Header + " header";
        }

        // Fixed-time comparison: the answer's timing tells a guesser nothing about how much matched.
        return values.Count == 1 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(values[0] ?? ""), expected)
            ? null
            : Header + " does not match " + Setting;
    }

    private static Task RefuseAsync(HttpContext context, string reason, ILogger logger)
    {
        Refused(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", reason);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Warning, "Refused Dapr callback {Method} {Path} from {Remote}: {Reason}")]
    private static partial void Refused(ILogger logger, string method, string path, string remote, string reason);
}
