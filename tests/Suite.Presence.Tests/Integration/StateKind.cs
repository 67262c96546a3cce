namespace Suite.Presence.Tests.Integration;

/// <summary>Which Dapr state component presence runs on.</summary>
public enum StateKind
{
    InMemory,
    Redis,
}
