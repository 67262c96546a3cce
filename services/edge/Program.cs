using Suite.Edge;
using Suite.Edge.Auth;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;
using Suite.Edge.Upstream;
using Suite.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddOptions<EdgeOptions>().BindConfiguration(EdgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.AddEdgeAuth();
builder.AddUpstream();
builder.AddConnections();
builder.AddDelivery();

var app = builder.Build();

app.UseWebSockets();
app.UseRateLimiter();
app.UseCloudEvents();
app.MapDefaultEndpoints();
app.MapSubscribeHandler();
app.MapConnections();
app.MapDelivery();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
