namespace Suite.Room.State;

// The state layout. Every value is small: a join to a 100k-member room writes the user's own
// record, the room's per-edge counts (one entry per edge) and, for a new member, one member shard
// (members / MemberShards user ids), never the whole member list.
internal static class StateKeys
{
    /// <summary>Per-edge member-connection counts and the distinct-user count of a room (<see cref="EdgeIndex"/>).</summary>
    public static string RoomEdges(string roomId) => $"room:{roomId}:edges";

    /// <summary>One user's connections in a room (<see cref="RoomUser"/>).</summary>
    public static string RoomUser(string roomId, string userId) => $"room:{roomId}:u:{userId}";

    /// <summary>Sorted user ids of one hash shard of a room's members (<see cref="MemberShard"/>), for paging.</summary>
    public static string RoomMembers(string roomId, int shard) => $"room:{roomId}:m:{shard}";

    /// <summary>The room's last seq and last message (<see cref="RoomHead"/>), the ETag-guarded counter.</summary>
    public static string RoomHead(string roomId) => $"room:{roomId}:seq";

    /// <summary>
    /// One history slot (<see cref="StoredMessage"/>). Each owner term has its own ring, one lap longer
    /// than the history by <see cref="RingSlack"/>: a fenced owner's last transaction still writes its
    /// slot (Redis does not roll back), and it can then only land in its own term's ring, on a seq
    /// that has left the history window. Term 0 is the ring of the earlier, ownerless layout.
    /// </summary>
    public static string RoomHistory(string roomId, long term, ulong seq, int historySize) =>
        term == 0 ? $"room:{roomId}:h:{seq % (ulong)historySize}" : $"room:{roomId}:h:{term}:{seq % (ulong)(historySize + RingSlack)}";

    /// <summary>Messages one owner may have in flight in a transaction that a takeover fences.</summary>
    public const int RingSlack = 1;

    /// <summary>A live room replica (<see cref="ReplicaRecord"/>), kept with a TTL of the owner lease.</summary>
    public static string Replica(string replicaId) => $"room-replica:{replicaId}";

    /// <summary>A PublishToRoom idempotency key, kept for the idempotency window (<see cref="IdempotencyRecord"/>).</summary>
    public static string RoomIdempotency(string roomId, string key) => $"room:{roomId}:idem:{key}";

    /// <summary>Per-edge subscriber counts of a channel (<see cref="EdgeIndex"/>).</summary>
    public static string ChannelEdges(string channel) => $"chan:{channel}:edges";

    /// <summary>One subscribed connection of a channel (<see cref="ChannelConnection"/>).</summary>
    public static string ChannelConnection(string channel, string connectionId) => $"chan:{channel}:c:{connectionId}";

    /// <summary>The rooms and channels an edge hosts (<see cref="EdgeRecord"/>), so a dead edge is dropped without a scan.</summary>
    public static string Edge(string edgeId) => $"edge:{edgeId}";
}
