using Suite.Contracts.Notification.V1;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Edge.Upstream;

public static class UpstreamRegistration
{
    /// <summary>gRPC clients for presence, room and notification (the inbox), and the lease that keeps this edge known to presence.</summary>
    public static IHostApplicationBuilder AddUpstream(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServiceAuth("edge");
        builder.Services.AddSuiteGrpcClient<PresenceService.PresenceServiceClient, EdgeOptions>("presence", o => o.PresenceAddress, o => o.UpstreamTimeout);
        builder.Services.AddSuiteGrpcClient<RoomService.RoomServiceClient, EdgeOptions>("room", o => o.RoomAddress, o => o.UpstreamTimeout);
        builder.Services.AddSuiteGrpcClient<NotificationService.NotificationServiceClient, EdgeOptions>("notification", o => o.NotificationAddress, o => o.UpstreamTimeout);
        builder.Services.AddSingleton<Inbox.InboxReplay>();
        builder.Services.AddSingleton<RoomCalls>();
        builder.Services.AddOptions<Direct.DirectRecipientsOptions>().BindConfiguration(Direct.DirectRecipientsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Presence's watch grants are real time (its replicas' certainty), so the cache counts them on the real clock.
        builder.Services.AddSingleton(sp => new Direct.RecipientCache(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Direct.DirectRecipientsOptions>>(), TimeProvider.System));
        builder.Services.AddSingleton(sp => new PresenceCalls(
            sp.GetRequiredService<PresenceService.PresenceServiceClient>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<EdgeOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PresenceCalls>>(),
            sp.GetService<ServiceCallCredentials>(),
            sp.GetRequiredService<Direct.RecipientCache>()));
        builder.Services.AddSingleton<Direct.DirectRecipients>();
        builder.Services.AddSingleton<LeaseReplay>();
        builder.Services.AddSingleton<EdgeLeaseService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EdgeLeaseService>());
        builder.Services.AddHealthChecks().AddCheck<EdgeLeaseService>("edge-lease", tags: [ServiceDefaults.ServiceDefaults.ReadyTag]);
        return builder;
    }
}
