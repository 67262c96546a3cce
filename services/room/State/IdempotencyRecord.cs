namespace Suite.Room.State;

/// <summary>What a PublishToRoom with an idempotency key stored, written in the message's own transaction.</summary>
internal sealed class IdempotencyRecord
{
    public string MessageId { get; set; } = "";

    public long Timestamp { get; set; }

    public ulong Seq { get; set; }

    /// <summary>The owner term that wrote it: a record of a term that was fenced before its seq committed is void.</summary>
    public long Term { get; set; }
}
