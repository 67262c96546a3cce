using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Presence;

/// <summary>
/// The presence service as a buildable app, so Program and hosts that run several services in one
/// process (the embedded suite) build it the same way.
/// </summary>
public static class PresenceApp
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddPresence();

        var app = builder.Build();

        // Presence subscribes to nothing, but daprd still asks it for /dapr/subscribe and /dapr/config.
        app.UseAppApiToken();
        app.MapDefaultEndpoints();
        app.MapPresence();
        return app;
    }
}
