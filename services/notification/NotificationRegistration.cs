using Suite.ServiceDefaults.Publishing;
using Suite.Notification.Delivery;
using Suite.Notification.Idempotency;
using Suite.Notification.Inbox;
using Suite.Notification.Intake;
using Suite.Notification.Upstream;
using Suite.ServiceDefaults.State;

namespace Suite.Notification;

public static class NotificationRegistration
{
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddGrpc(o => o.Interceptors.Add<StateErrorInterceptor>());
        builder.Services.AddStateStore(_ => new StateStoreLimits(), NotificationStateJson.Default);
        builder.Services.AddSingleton<NotificationMetrics>();
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
