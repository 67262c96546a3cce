namespace Suite.Room.State;

internal sealed class ChannelConnection
{
    public string EdgeId { get; set; } = "";

    public string UserId { get; set; } = "";
}
