namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"leave","roomId":R}</c></summary>
public sealed record LeaveMessage(string RoomId, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Leave;
}
