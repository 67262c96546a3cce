namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"message","roomId":R,"content":C}</c>.</summary>
/// <param name="Content">The JSON value exactly as the client wrote it (UTF-8), forwarded unchanged; owned by this record.</param>
public sealed record RoomMessage(string RoomId, ReadOnlyMemory<byte> Content, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Message;
}
