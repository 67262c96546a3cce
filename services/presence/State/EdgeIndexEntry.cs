namespace Suite.Presence.State;

public sealed class EdgeIndexEntry
{
    public string UserId { get; set; } = "";

    public string LeaseId { get; set; } = "";
}
