using System.Text.Json.Serialization;

namespace Suite.Room.State;

/// <summary>A room's or channel's hosting edges with their member connections; edges at zero are removed.</summary>
internal sealed class EdgeIndex
{
    public Dictionary<string, int> Edges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Distinct member users (rooms only).</summary>
    public long Users { get; set; }

    /// <summary>
    /// Channels only: the edge lease each edge's count was built under. A subscription under a later
    /// lease starts the edge's count again (the earlier lease ended and the edge replays its
    /// subscribers under the new one), and the end of a lease removes the edge only if it covers this one.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, LeaseTag>? Leases { get; set; }
}
