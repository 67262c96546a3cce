namespace Suite.Room.State;

internal sealed class EdgeRecord
{
    /// <summary>The live incarnation as last reported by presence; empty if never seen.</summary>
    public string Incarnation { get; set; } = "";

    public HashSet<string> Rooms { get; set; } = new(StringComparer.Ordinal);

    public HashSet<string> Channels { get; set; } = new(StringComparer.Ordinal);
}
