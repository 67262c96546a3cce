namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"unsubscribe","channel":X}</c></summary>
public sealed record UnsubscribeMessage(string Channel, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Unsubscribe;
}
