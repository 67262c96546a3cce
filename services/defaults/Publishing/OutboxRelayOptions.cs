namespace Suite.ServiceDefaults.Publishing;

/// <summary>How an <see cref="OutboxRelay"/> paces itself; fixed by the service that uses it.</summary>
public sealed record OutboxRelayOptions
{
    /// <summary>
    /// How often the outbox is read without a <see cref="OutboxRelay.Notify"/>: picks up events a
    /// replica that died after storing them left behind.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between attempts: how late an event may go out after the broker is back.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>One publish attempt's deadline, so a hung sidecar call does not hold the outbox forever.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Published events removed in one state write.</summary>
    public int RemoveBatch { get; init; } = 64;
}
