using System.ComponentModel.DataAnnotations;

namespace Suite.Presence;

public sealed class PresenceOptions : IValidatableObject
{
    public const string Section = "Presence";

    /// <summary>Granted when RegisterEdge asks for none.</summary>
    public TimeSpan DefaultLeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan MinLeaseDuration { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxLeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired leases are looked for; an expired edge's users turn offline within lease + this.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Each replica counts an edge's index slots under this many keys, so connects on one busy edge
    /// index in parallel instead of taking turns on one count. Changing it strands index entries of
    /// live leases: keep it stable for a deployment.
    /// </summary>
    [Range(1, 256)]
    public int EdgeIndexShards { get; set; } = 16;

    /// <summary>
    /// How long a presence replica's registration lasts without renewal (renewed every third of it).
    /// A replica that starts beside a live one writes nothing for this long; a lone replica answers
    /// lookups from memory, and replicas' wall clocks must agree within half of it.
    /// </summary>
    public TimeSpan ReplicaLease { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Read-modify-write attempts per state key before the call fails with ABORTED.</summary>
    [Range(1, 10_000)]
    public int MaxUpdateAttempts { get; set; } = 100;

    [Range(1, 10_000)]
    public int MaxLookupUsers { get; set; } = 1000;

    /// <summary>
    /// Most users one edge's call stream may watch (presence.proto, "Watches"); past it the stream's
    /// watches start over under a new epoch (the edge forgets what it cached and looks up again).
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxWatchedUsersPerStream { get; set; } = 100_000;

    /// <summary>Users whose records are updated in parallel while an edge's connections are dropped.</summary>
    [Range(1, 256)]
    public int CleanupParallelism { get; set; } = 16;

    /// <summary>ConnectionLifecycleEvent events on presence.lifecycle, one per connect and disconnect.</summary>
    public bool LifecycleEvents { get; set; } = true;

    /// <summary>
    /// Most presence.edges events waiting in the outbox (they live in the edge registry record, which
    /// every renewal rewrites, ~250 bytes each); past it the oldest are dropped and logged. Only a
    /// broker outage with this many edge lease changes during it reaches it.
    /// </summary>
    [Range(10, 100_000)]
    public int MaxPendingEdgeEvents { get; set; } = 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinLeaseDuration <= TimeSpan.Zero || MinLeaseDuration > MaxLeaseDuration)
        {
            yield return new ValidationResult("MinLeaseDuration must be positive and at most MaxLeaseDuration", [nameof(MinLeaseDuration)]);
        }

        if (DefaultLeaseDuration < MinLeaseDuration || DefaultLeaseDuration > MaxLeaseDuration)
        {
            yield return new ValidationResult("DefaultLeaseDuration must lie within MinLeaseDuration..MaxLeaseDuration", [nameof(DefaultLeaseDuration)]);
        }

        if (ReplicaLease < TimeSpan.FromMilliseconds(300))
        {
            yield return new ValidationResult("ReplicaLease must be at least 300 ms", [nameof(ReplicaLease)]);
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult("SweepInterval must be positive", [nameof(SweepInterval)]);
        }
    }
}
