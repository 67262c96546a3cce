namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"join","roomId":R}</c></summary>
public sealed record JoinMessage(string RoomId, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Join;
}
