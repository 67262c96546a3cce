namespace Suite.Room.State;

/// <summary>A room's or channel's hosting edges with their member connections; edges at zero are removed.</summary>
internal sealed class EdgeIndex
{
    public Dictionary<string, int> Edges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Distinct member users (rooms only).</summary>
    public long Users { get; set; }
}
