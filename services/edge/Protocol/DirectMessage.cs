namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"direct","to":U,"content":C}</c>: to every connection of user U, on any edge.</summary>
/// <param name="Content">The JSON value exactly as the client wrote it (UTF-8), forwarded unchanged; owned by this record.</param>
public sealed record DirectMessage(string To, ReadOnlyMemory<byte> Content, string? Id = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Direct;
}
