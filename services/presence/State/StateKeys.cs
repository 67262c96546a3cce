namespace Suite.Presence.State;

/// <summary>
/// Where presence keeps its records. The Dapr app id already separates apps in a shared store; the
/// prefix keeps presence's own kinds apart and readable in redis-cli.
/// </summary>
public static class StateKeys
{
    /// <summary>One user's connections on all edges, their version and last-seen time.</summary>
    public static string User(string userId) => "presence:user:" + userId;

    /// <summary>Every edge lease, and the ended leases whose connections are still being dropped.</summary>
    public const string Edges = "presence:edges";

    /// <summary>One shard of an edge's connection ids, so a lease can end without scanning all users.</summary>
    public static string EdgeIndex(string edgeId, int shard) => $"presence:edge:{edgeId}:{shard}";

    public static IReadOnlyList<string> EdgeIndexShards(string edgeId, int shards) =>
        Enumerable.Range(0, shards).Select(shard => EdgeIndex(edgeId, shard)).ToArray();

    /// <summary>FNV-1a: every replica must put a connection in the same shard, so no per-process string hash.</summary>
    public static int ShardOf(string connectionId, int shards)
    {
        var hash = 2166136261u;
        foreach (var c in connectionId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }
}
