namespace Suite.ServiceDefaults.State;

/// <summary>
/// How hard <see cref="StateStore"/> tries. Each service fills this from its own settings (they are
/// contracts with its deployments), e.g. room's Rooms:MaxConcurrencyRetries or presence's
/// Presence:MaxUpdateAttempts.
/// </summary>
public sealed record StateStoreLimits
{
    /// <summary>Read-modify-write attempts per call before <see cref="StateContentionException"/>.</summary>
    public int MaxAttempts { get; init; } = 100;

    /// <summary>The longest pause between attempts; pauses grow towards it over the first attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Called with the caller's record kind each time an attempt lost to another writer (for the service's conflict counter).</summary>
    public Action<string>? OnConflict { get; init; }
}
