using Suite.Edge.Auth;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;
using Suite.Edge.Pages;
using Suite.Edge.Resume;
using Suite.Edge.Surfaces;
using Suite.Edge.Upstream;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Edge;

/// <summary>
/// The edge as a buildable app, so Program and hosts that run several services in one process
/// (the embedded suite) build it the same way.
/// </summary>
public static class EdgeApp
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.Services.AddOptions<EdgeOptions>().BindConfiguration(EdgeOptions.Section).ValidateDataAnnotations()
            .Validate(o => InternalPort.PortOf(o.InternalUrl) is not null, InternalPort.InvalidUrlMessage).ValidateOnStart();
        builder.AddEdgeAuth();
        builder.AddUpstream();
        builder.AddConnections();
        builder.AddDelivery();
        builder.AddResume();
        builder.AddInternalPort();
        builder.AddPages();

        var app = builder.Build();

        // The surfaces first: the public port answers 404 to a Dapr callback before anything reads it,
        // and the internal port asks the sidecar for its app API token.
        app.UseSurfaces();
        app.UseAppApiToken();
        app.UseWebSockets();
        app.UsePages();
        // CloudEvents are Dapr deliveries; the WebSocket endpoint skips the middleware, which would
        // otherwise stay on its call stack (and in memory) for the life of every connection.
        app.UseWhen(context => !ConnectionEndpoints.IsWebSocketPath(context.Request.Path), branch => branch.UseCloudEvents());
        app.MapDefaultEndpoints();
        app.MapSubscribeHandler();
        app.MapConnections();
        app.MapDelivery();
        if (app.Environment.IsDevelopment())
        {
            app.MapDevTokens();
        }

        return app;
    }
}
