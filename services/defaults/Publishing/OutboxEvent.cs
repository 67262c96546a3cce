namespace Suite.ServiceDefaults.Publishing;

/// <summary>
/// One event waiting in an <see cref="IOutbox"/>: stored with the change that caused it, published
/// by an <see cref="OutboxRelay"/>, then removed. <see cref="Json"/> is the event as it goes out
/// (application/json), so the stored bytes are the published ones whichever process publishes them.
/// </summary>
public sealed class OutboxEvent
{
    /// <summary>Unique per event, so a relay removes exactly what it published.</summary>
    public string Id { get; set; } = "";

    public string Topic { get; set; } = "";

    public string Json { get; set; } = "";

    /// <summary>When the change happened, for logs and the age of what waits.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
