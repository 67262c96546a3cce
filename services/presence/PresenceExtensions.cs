using Dapr.Client;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Suite.Presence.Api;
using Suite.Presence.Edges;
using Suite.Presence.Events;
using Suite.Presence.Memory;
using Suite.Presence.State;
using Suite.Presence.Users;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.Lifecycle;
using Suite.ServiceDefaults.PresenceCalls;
using Suite.ServiceDefaults.Publishing;
using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Presence;

public static class PresenceExtensions
{
    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PresenceOptions>().BindConfiguration(PresenceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // For the sidecar's health endpoints only; state and publishes go through the SidecarClient (AddStateStore).
        builder.Services.AddDaprClient();
        builder.Services.AddSingleton<StateErrorInterceptor>();
        // Only an edge acts for its connections and its own lease.
        builder.Services.AddServiceAuth("presence", CallerPolicy.Only(
            Suite.Contracts.Presence.V1.PresenceService.Descriptor, ["edge"], "Connect", "Disconnect", "RegisterEdge", "RenewEdgeLease", "DeregisterEdge", "Calls"));
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ServiceAuthInterceptor>();
            grpc.Interceptors.Add<StateErrorInterceptor>();
        });
        builder.Services.AddSingleton<PresenceMetrics>();
        builder.Services.AddStateStore(sp =>
        {
            var metrics = sp.GetRequiredService<PresenceMetrics>();
            return new StateStoreLimits
            {
                MaxAttempts = sp.GetRequiredService<IOptions<PresenceOptions>>().Value.MaxUpdateAttempts,
                OnConflict = kind => metrics.UpdateConflicts.Add(1, new KeyValuePair<string, object?>("record", kind)),
            };
        }, PresenceStateJson.Default);
        builder.Services.AddSingleton<PresenceMemory>();
        builder.Services.AddSingleton(sp => new PresenceWatches(
            sp.GetRequiredService<PresenceMemory>(),
            sp.GetRequiredService<IOptions<PresenceOptions>>().Value.MaxWatchedUsersPerStream,
            // The replicas' certainty is counted on the real clock (ReplicaMembership), so are the watches it bounds.
            TimeProvider.System,
            sp.GetRequiredService<ILogger<PresenceWatches>>()));
        builder.Services.AddSingleton<LeaseRegistry>();
        builder.Services.AddSingleton<EdgeIndex>();
        builder.Services.AddSingleton<MemoryLoader>();
        builder.Services.AddSingleton<ReplicaMembership>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicaMembership>());
        builder.Services.AddSingleton<PresenceEvents>();
        builder.Services.AddLifecyclePublisher();
        builder.Services.AddSingleton<ConnectionEvents>();
        builder.Services.AddSingleton<EdgeEventOutbox>();
        builder.Services.AddSingleton(sp =>
        {
            var sidecar = sp.GetRequiredService<SidecarClient>();
            var dapr = sp.GetRequiredService<DaprClient>();
            var relay = new OutboxRelay(
                sp.GetRequiredService<EdgeEventOutbox>(),
                (topic, json, ct) => sidecar.PublishAsync(DaprNames.PubSub, topic, ByteString.CopyFromUtf8(json), "application/json", null, ct),
                dapr.WaitForSidecarAsync,
                new OutboxRelayOptions(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<OutboxRelay>>());
            sp.GetRequiredService<PresenceMetrics>().ObserveEdgeEvents(relay);
            return relay;
        });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        builder.Services.AddSingleton<UserRecords>();
        builder.Services.AddSingleton<UserPresence>();
        builder.Services.AddSingleton<EdgeLeases>();
        builder.Services.AddHostedService<LeaseSweeper>();
        SidecarHealthCheck.AddTo(builder.Services);
        return builder;
    }

    public static IEndpointRouteBuilder MapPresence(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<PresenceGrpcService>();
        return app;
    }
}
