namespace Suite.Presence.State;

/// <summary>The value under <see cref="StateKeys.Replicas"/>.</summary>
public sealed class ReplicaSet
{
    /// <summary>Replica id -> when its registration lapses (wall clock, not the service's TimeProvider).</summary>
    public Dictionary<string, DateTimeOffset> Live { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Incremented by every registration of a replica not listed, so a joiner that already left is still noticed.</summary>
    public long Joins { get; set; }
}
