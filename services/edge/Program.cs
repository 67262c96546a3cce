using Suite.Edge;

var app = EdgeApp.Build(WebApplication.CreateBuilder(args));
app.Run();
