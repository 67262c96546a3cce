using Suite.Notification.Intake;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Notification;

/// <summary>
/// The notification service as a buildable app, so Program and hosts that run several services in
/// one process (the embedded suite) build it the same way.
/// </summary>
public static class NotificationApp
{
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.AddServiceDefaults();
        builder.AddNotifications();

        var app = builder.Build();

        app.UseAppApiToken();
        app.UseNotificationCloudEvents();
        app.MapDefaultEndpoints();
        app.MapSubscribeHandler();
        app.MapNotificationTopic();
        app.MapGrpcService<NotificationGrpcService>();
        return app;
    }
}
