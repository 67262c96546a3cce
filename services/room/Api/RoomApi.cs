using Suite.ServiceDefaults.State;

namespace Suite.Room.Api;

public static class RoomApi
{
    public static IHostApplicationBuilder AddRoomApi(this IHostApplicationBuilder builder)
    {
        // One instance: the unary calls and the calls on a call stream share it.
        builder.Services.AddSingleton<StateErrorInterceptor>();
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<StateErrorInterceptor>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<RoomGrpcService>();
        return app;
    }
}
