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

    // Set by a binary encoding's reader when `content` holds a value JSON cannot carry (binary data,
    // a map key that is not a string, NaN): the frame is refused with it, naming the reason.
    public string? ContentProblem;

    // `since` of a resuming join: the object itself (its token, a repeat) and the two fields in it.
    public FieldValue Since;
    public FieldValue SinceSeq;
    public FieldValue SinceEpoch;

    public FieldValue Limit;
    public FieldValue Before;

    // `ids` of an ack: the array itself (its token, a repeat), its strings while they pass, and the
    // first problem with an element (named by index), which makes the whole frame invalid.
    public FieldValue Ids;
    public List<string>? IdList;
    public string? IdsProblem;
}
