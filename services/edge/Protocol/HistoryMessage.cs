namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"history","roomId":R,"limit"?:L,"before"?:S}</c>: the last messages of a room the connection is in.</summary>
/// <param name="Limit">At most this many messages (the edge caps it); null = the edge's cap.</param>
/// <param name="Before">Only messages with a seq below this, for paging back; null = up to the latest.</param>
public sealed record HistoryMessage(string RoomId, int? Limit = null, ulong? Before = null, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.History;
}
