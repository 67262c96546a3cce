namespace Suite.Presence.State;

/// <summary>The value of an index slot: which connection of which user, so an ending lease finds its users.</summary>
public sealed class IndexEntry
{
    public string UserId { get; set; } = "";

    public string ConnectionId { get; set; } = "";
}
