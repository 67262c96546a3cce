using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Suite.Edge;
using Suite.Notification;
using Suite.Presence;
using Suite.Room;

namespace Suite.Deploy.Tests.Facts;

/// <summary>
/// The HTTP routes a service really maps, read from the service built as in production (not
/// started: no port is bound and no sidecar is needed), so a probe can only name one that exists.
/// </summary>
public static class MappedRoutes
{
    private static readonly Dictionary<string, IReadOnlySet<string>> Cache = [];

    public static IReadOnlySet<string> Of(SuiteApp app)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(app.AppId, out var routes))
            {
                Cache[app.AppId] = routes = Read(app);
            }

            return routes;
        }
    }

    private static HashSet<string> Read(SuiteApp app)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ApplicationName = app.Assembly });
        // What the edge's start-up validation wants outside Development; nothing here is started.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = new string('k', 32),
            ["Auth:Audience"] = "deploy-tests",
            ["Auth:Issuer"] = "deploy-tests",
        });
        var built = app.AppId switch
        {
            "edge" => EdgeApp.Build(builder),
            "presence" => PresenceApp.Build(builder),
            "room" => RoomApp.Build(builder),
            "notification" => NotificationApp.Build(builder),
            _ => throw new ArgumentException($"unknown app {app.AppId}", nameof(app)),
        };
        try
        {
            return ((IEndpointRouteBuilder)built).DataSources
                .SelectMany(source => source.Endpoints)
                .OfType<RouteEndpoint>()
                .Select(endpoint => "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/'))
                .ToHashSet();
        }
        finally
        {
            ((IDisposable)built).Dispose();
        }
    }
}
