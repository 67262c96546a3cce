namespace Suite.Notification.Idempotency;

/// <summary>What the first acceptance of an event id answered, returned again for a repeat.</summary>
public sealed record AcceptedRecord(int EdgesTargeted);
