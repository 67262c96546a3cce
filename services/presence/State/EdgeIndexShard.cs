namespace Suite.Presence.State;

/// <summary>The value under <see cref="StateKeys.EdgeIndex"/>: connection id -> who and under which lease.</summary>
public sealed class EdgeIndexShard
{
    public Dictionary<string, EdgeIndexEntry> Connections { get; set; } = new(StringComparer.Ordinal);
}
