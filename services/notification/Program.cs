using Suite.Notification;
using Suite.Notification.Intake;
using Suite.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNotifications();

var app = builder.Build();

app.UseNotificationCloudEvents();
app.MapDefaultEndpoints();
app.MapSubscribeHandler();
app.MapNotificationTopic();
app.MapGrpcService<NotificationGrpcService>();

app.Run();
