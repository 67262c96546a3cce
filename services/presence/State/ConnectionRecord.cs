namespace Suite.Presence.State;

public sealed class ConnectionRecord
{
    public string ConnectionId { get; set; } = "";

    public string EdgeId { get; set; } = "";

    /// <summary>The lease the edge held when it connected; the connection counts only while that lease lives.</summary>
    public string LeaseId { get; set; } = "";

    public List<string> Tags { get; set; } = [];

    public string Region { get; set; } = "";

    public string Platform { get; set; } = "";

    public DateTimeOffset? ConnectedAt { get; set; }

    /// <summary>The index slot that lists this connection under its lease; deleted with the connection.</summary>
    public string IndexKey { get; set; } = "";
}
