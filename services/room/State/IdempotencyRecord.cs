namespace Suite.Room.State;

internal sealed class IdempotencyRecord
{
    public string MessageId { get; set; } = "";

    public long Timestamp { get; set; }

    /// <summary>0 while the claiming call has not stored the message yet.</summary>
    public ulong Seq { get; set; }

    public bool Published { get; set; }

    public int EdgesTargeted { get; set; }

    public DateTimeOffset ClaimedAt { get; set; }
}
