namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"ping"}</c>, answered with <c>pong</c>.</summary>
public sealed record PingMessage(string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Ping;
}
