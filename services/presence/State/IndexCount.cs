namespace Suite.Presence.State;

/// <summary>The value of an index count key: slots 0 to Next - 1 may hold entries.</summary>
public sealed class IndexCount
{
    public int Next { get; set; }
}
