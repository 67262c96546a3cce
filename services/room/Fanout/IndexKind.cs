namespace Suite.Room.Fanout;

internal enum IndexKind
{
    Room,
    Channel,
}
