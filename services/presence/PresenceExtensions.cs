using Suite.Presence.Api;
using Suite.Presence.Edges;
using Suite.Presence.Events;
using Suite.Presence.State;
using Suite.Presence.Users;
using Suite.ServiceDefaults;

namespace Suite.Presence;

public static class PresenceExtensions
{
    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddDaprClient();
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<StateFailureInterceptor>());
        builder.Services.AddSingleton<PresenceMetrics>();
        builder.Services.AddSingleton<PresenceState>();
        builder.Services.AddSingleton<PresenceEvents>();
        builder.Services.AddSingleton<UserPresence>();
        builder.Services.AddSingleton<EdgeLeases>();
        builder.Services.AddHostedService<LeaseSweeper>();
        builder.Services.AddHealthChecks().AddCheck<SidecarHealthCheck>("dapr-sidecar", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapPresence(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<PresenceGrpcService>();
        return app;
    }
}
