namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"subscribe","channel":X}</c></summary>
public sealed record SubscribeMessage(string Channel, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Subscribe;
}
