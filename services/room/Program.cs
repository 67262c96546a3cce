using Suite.Room;
using Suite.Room.Api;
using Suite.Room.Edges;
using Suite.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRoomState();
builder.AddRoomApi();
builder.AddEdgeEvents();

var app = builder.Build();

app.UseCloudEvents();
app.MapDefaultEndpoints();
app.MapSubscribeHandler();
app.MapRoomApi();
app.MapEdgeEvents();

app.Run();
