namespace Suite.Room.Owners;

/// <summary>The result of a PublishToRoom with an idempotency key; <see cref="Published"/> once its deliveries went out.</summary>
internal sealed class RememberedKey
{
    public required string MessageId { get; init; }

    public required ulong Seq { get; init; }

    public required long Timestamp { get; init; }

    public bool Published { get; set; }

    public int EdgesTargeted { get; set; }
}
