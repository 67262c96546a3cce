namespace Suite.Room.State;

internal sealed class ChannelConnection
{
    public string EdgeId { get; set; } = "";

    public string UserId { get; set; } = "";

    /// <summary>The edge lease the subscription was made (or replayed) under; null if the edge sent none.</summary>
    public LeaseTag? Lease { get; set; }
}
