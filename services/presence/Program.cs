using Suite.Presence;

var app = PresenceApp.Build(WebApplication.CreateBuilder(args));
app.Run();
