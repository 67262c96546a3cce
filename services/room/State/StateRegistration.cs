using Suite.ServiceDefaults.Publishing;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Suite.Room.Channels;
using Suite.Room.Fanout;
using Suite.Room.Membership;
using Suite.Room.Messaging;
using Suite.Room.Owners;
using Suite.Room.State;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.Lifecycle;
using Suite.ServiceDefaults.State;

namespace Suite.Room;

public static class StateRegistration
{
    /// <summary>Options, metrics, the Dapr client and the features that keep room state in the Dapr state store.</summary>
    public static IHostApplicationBuilder AddRoomState(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoomOptions>()
            .BindConfiguration(RoomOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Rules.All(r => !string.IsNullOrWhiteSpace(r.RequiredClaim)), "every Rooms:Rules entry needs a RequiredClaim")
            .Validate(o => o.DefaultPageSize <= o.MaxPageSize, "Rooms:DefaultPageSize must not exceed MaxPageSize")
            .Validate(o => o.DefaultHistoryLimit <= o.MaxHistoryLimit, "Rooms:DefaultHistoryLimit must not exceed MaxHistoryLimit")
            .Validate(o => o.IdempotencyWindow >= TimeSpan.FromSeconds(1), "Rooms:IdempotencyWindow must be at least 1s")
            .Validate(o => o.IdleRoomUnload >= TimeSpan.FromSeconds(1), "Rooms:IdleRoomUnload must be at least 1s")
            .Validate(o => o.OwnerLeaseDuration >= TimeSpan.FromSeconds(1) && o.OwnerLeaseDuration <= TimeSpan.FromMinutes(10), "Rooms:OwnerLeaseDuration must be between 1s and 10 minutes")
            .Validate(o => o.AdvertisedAddress.Length == 0 || Uri.TryCreate(o.AdvertisedAddress, UriKind.Absolute, out _), "Rooms:AdvertisedAddress must be an absolute URI such as http://10.0.0.5:5102")
            .ValidateOnStart();
        // The replica's lease is renewed from the start, possibly before the sidecar listens: after a
        // refused connection the channel must try again within a second, not back off for minutes.
        // These options replace the SDK's defaults, as they did on the room's DaprClient.
        builder.Services.AddSidecar(new GrpcChannelOptions
        {
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
        });
        // For the sidecar's health endpoint only (HTTP), also /readyz's; state and publishes go through the SidecarClient.
        SidecarHealthCheck.AddTo(builder.Services);
        builder.Services.AddSingleton<RoomMetrics>();
        builder.Services.AddStateStore(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RoomOptions>>().Value;
            var metrics = sp.GetRequiredService<RoomMetrics>();
            return new StateStoreLimits
            {
                MaxAttempts = options.MaxConcurrencyRetries,
                MaxBackoff = options.MaxRetryBackoff,
                OnConflict = kind => metrics.ConcurrencyConflicts.Add(1, new KeyValuePair<string, object?>("kind", kind)),
            };
        }, RoomStateJson.Default);
        builder.Services.AddSingleton<RoomReplica>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RoomReplica>());
        builder.Services.AddSingleton<RoomForwarder>();
        builder.Services.AddSingleton<RoomLoader>();
        builder.Services.AddSingleton<RoomWriter>();
        builder.Services.AddSingleton<RoomOwners>();
        builder.Services.AddHostedService<IdleRoomSweeper>();
        builder.Services.AddSingleton<EdgeRecordWrites>();
        builder.Services.AddSingleton<EdgeIndexes>();
        builder.Services.AddEdgeDeliveryPublisher();
        builder.Services.AddSingleton<EdgePublisher>();
        builder.Services.AddSingleton<AccessAuthorizer>();
        builder.Services.AddLifecyclePublisher();
        builder.Services.AddSingleton<RoomLifecycleEvents>();
        builder.Services.AddSingleton<RoomMembership>();
        builder.Services.AddSingleton<RoomMessaging>();
        builder.Services.AddSingleton<ChannelMembership>();
        return builder;
    }
}
