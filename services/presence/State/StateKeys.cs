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

    /// <summary>The presence replicas alive, so each knows whether it is the only writer (see ReplicaMembership).</summary>
    public const string Replicas = "presence:replicas";

    /// <summary>
    /// How many slots one writer (a presence process) used in one shard of a lease's connection index.
    /// Only that process writes it, so it needs no read and no etag.
    /// </summary>
    public static string IndexCount(string leaseId, string writerId, int shard) => $"presence:index:{leaseId}:{writerId}:{shard}";

    /// <summary>One connection of a lease: written with the connection, so a connect writes O(1) bytes however many the edge holds.</summary>
    public static string IndexSlot(string countKey, int slot) => $"{countKey}:{slot}";

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
