using Suite.Notification;

var app = NotificationApp.Build(WebApplication.CreateBuilder(args));
app.Run();
