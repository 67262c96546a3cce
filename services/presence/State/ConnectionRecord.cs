namespace Suite.Presence.State;

public sealed class ConnectionRecord
{
    // A connection this process indexed keeps its slot as the count key it shares with the other
    // slots of its lease and shard, and its number, rather than as a ~100-character key of its own:
    // presence holds a record of every connection, and that string was ~190 B of each (the embedded
    // suite's per-connection memory, docs/benchmarks.md). The key is built when a write or a drop
    // asks for it. A record read from the store keeps the key it was read with.
    private string _indexKey = "";
    private string? _indexCountKey;
    private int _indexSlot;

    public string ConnectionId { get; set; } = "";

    public string EdgeId { get; set; } = "";

    /// <summary>The lease the edge held when it connected; the connection counts only while that lease lives.</summary>
    public string LeaseId { get; set; } = "";

    /// <summary>Read-only and shared when empty: most connections carry no tags, and an empty list each was 32 B of every record.</summary>
    public IReadOnlyList<string> Tags { get; set; } = [];

    public string Region { get; set; } = "";

    public string Platform { get; set; } = "";

    public DateTimeOffset? ConnectedAt { get; set; }

    /// <summary>The index slot that lists this connection under its lease; deleted with the connection.</summary>
    public string IndexKey
    {
        get => _indexCountKey is null ? _indexKey : StateKeys.IndexSlot(_indexCountKey, _indexSlot);
        set
        {
            _indexKey = value;
            _indexCountKey = null;
        }
    }

    /// <summary>Sets <see cref="IndexKey"/> to <see cref="StateKeys.IndexSlot"/>(<paramref name="countKey"/>, <paramref name="slot"/>) without building it.</summary>
    public void IndexedIn(string countKey, int slot)
    {
        _indexKey = "";
        _indexCountKey = countKey;
        _indexSlot = slot;
    }
}
