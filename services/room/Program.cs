using Suite.Room;

var app = RoomApp.Build(WebApplication.CreateBuilder(args));
app.Run();
