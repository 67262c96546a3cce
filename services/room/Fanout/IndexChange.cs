using Suite.Room.State;

namespace Suite.Room.Fanout;

/// <summary>An edge index after a change, and whether the change made the edge appear in it or leave it.</summary>
internal sealed record IndexChange(EdgeIndex Index, bool EdgeAdded, bool EdgeRemoved)
{
    /// <summary>Edges with at least one member connection.</summary>
    public IReadOnlyList<string> LiveEdges => Index.Edges.Where(e => e.Value > 0).Select(e => e.Key).ToList();
}
