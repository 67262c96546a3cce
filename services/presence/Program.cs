using Suite.Presence;
using Suite.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddPresence();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapPresence();

app.Run();
