using Suite.Room.Api;
using Suite.Room.Edges;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Room;

/// <summary>
/// The room service as a buildable app, so Program and hosts that run several services in one
/// process (the embedded suite) build it the same way.
/// </summary>
public static class RoomApp
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddRoomState();
        builder.AddRoomApi();
        builder.AddEdgeEvents();

        var app = builder.Build();

        app.UseAppApiToken();
        app.UseCloudEvents();
        app.MapDefaultEndpoints();
        app.MapSubscribeHandler();
        app.MapRoomApi();
        app.MapEdgeEvents();
        return app;
    }
}
