namespace Suite.Room.Tests.Integration;

public enum StateKind
{
    InMemory,
    Redis,
}
