using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;

namespace Suite.Notification.Upstream;

public static class UpstreamRegistration
{
    /// <summary>
    /// gRPC clients for presence and room. Every call the service makes is a read; a dead upstream
    /// sends the event back to Dapr (topic) or the caller (gRPC) for a later retry instead of queueing here.
    /// </summary>
    public static IHostApplicationBuilder AddUpstream(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSuiteGrpcClient<PresenceService.PresenceServiceClient, NotificationOptions>("presence", o => o.PresenceAddress, o => o.UpstreamTimeout);
        builder.Services.AddSuiteGrpcClient<RoomService.RoomServiceClient, NotificationOptions>("room", o => o.RoomAddress, o => o.UpstreamTimeout);
        // Transient like the typed gRPC clients it holds, so the client factory can rotate their handlers.
        builder.Services.AddTransient<EdgeTargetResolver>();
        return builder;
    }
}
