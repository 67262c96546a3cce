namespace Suite.Room.State;

internal sealed class StoredMessage
{
    public string Id { get; set; } = "";

    public ulong Seq { get; set; }

    public long Timestamp { get; set; }

    public string UserId { get; set; } = "";

    public string ContentJson { get; set; } = "";

    /// <summary>The frame exactly as fanned out.</summary>
    public string Json { get; set; } = "";
}
