namespace Suite.Room.Owners;

/// <summary>The result of a PublishToRoom with an idempotency key; <see cref="Published"/> once its deliveries went out.</summary>
internal readonly record struct RememberedKey(string MessageId, ulong Seq, long Timestamp, bool Published, int EdgesTargeted);
