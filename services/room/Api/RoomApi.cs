using Suite.ServiceDefaults.State;

namespace Suite.Room.Api;

public static class RoomApi
{
    public static IHostApplicationBuilder AddRoomApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<StateErrorInterceptor>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRoomApi(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<RoomGrpcService>();
        return app;
    }
}
