using Suite.ServiceDefaults.Publishing;
using Suite.Notification.Delivery;
using Suite.Notification.Idempotency;
using Suite.Notification.Inbox;
using Suite.Notification.Intake;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Notification;

public static class NotificationRegistration
{
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // A user's inbox is read and acked only by the edge holding the user's connection.
        builder.Services.AddServiceAuth("notification", CallerPolicy.Only(
            Suite.Contracts.Notification.V1.NotificationService.Descriptor, ["edge"], "GetInbox", "Ack"));
        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<ServiceAuthInterceptor>();
            o.Interceptors.Add<StateErrorInterceptor>();
        });
        builder.Services.AddStateStore(_ => new StateStoreLimits(), NotificationStateJson.Default);
        builder.Services.AddSingleton<NotificationMetrics>();
        SidecarHealthCheck.AddTo(builder.Services);
        builder.Services.AddSingleton<NotificationValidator>();
        builder.Services.AddSingleton<FailedDeliveries>();
        builder.Services.AddEdgeDeliveryPublisher();
        builder.Services.AddSingleton<DeliveryPublisher>();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton<InboxStore>();
        builder.Services.AddTransient<InboxAcks>();
        builder.Services.AddTransient<NotificationPipeline>();
        builder.AddUpstream();
        return builder;
    }
}
