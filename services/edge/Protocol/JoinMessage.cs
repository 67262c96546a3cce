namespace Suite.Edge.Protocol;

/// <summary><c>{"type":"join","roomId":R}</c>, or with <c>"since":{"seq":N,"epoch":E}</c> to resume after a reconnect.</summary>
/// <param name="Since">Where the client's copy of the room ends; null for a plain join.</param>
public sealed record JoinMessage(string RoomId, string? Id = null, ResumePoint? Since = null) : ClientMessage(Id)
{
    public override string Type => ClientMessageTypes.Join;
}
