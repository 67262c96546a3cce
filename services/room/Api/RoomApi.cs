using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Room.Api;

public static class RoomApi
{
    public static IHostApplicationBuilder AddRoomApi(this IHostApplicationBuilder builder)
    {
        // One instance: the unary calls and the calls on a call stream share it.
        builder.Services.AddSingleton<StateErrorInterceptor>();
        // Only an edge acts for its connections (and a replica forwarding an edge's call to the room's owner).
        builder.Services.AddServiceAuth("room", CallerPolicy.Only(
            Suite.Contracts.Room.V1.RoomService.Descriptor, ["edge", "room"],
            "Join", "Leave", "ReleaseConnection", "PublishToRoom", "GetHistory", "Subscribe", "Unsubscribe", "Calls"));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ServiceAuthInterceptor>();
            grpc.Interceptors.Add<StateErrorInterceptor>();
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<RoomGrpcService>();
        return app;
    }
}
