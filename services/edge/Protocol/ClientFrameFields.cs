namespace Suite.Edge.Protocol;

// The known top-level properties of one client frame; anything else the client sent is ignored.
internal struct ClientFrameFields
{
    public FieldValue Type;
    public string? TypeName;
    public FieldValue Id;
    public FieldValue Token;
    public FieldValue RoomId;
    public FieldValue To;
    public FieldValue Channel;
    public FieldValue Content;
}
