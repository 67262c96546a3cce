using Suite.Room.Membership;
using Suite.Room.State;

namespace Suite.Room.Owners;

/// <summary>
/// A room as its owner replica holds it: members per connection, member connections per edge, the
/// sorted member shards used for paging, the head with the ETag this owner last wrote, recent history
/// and idempotency keys. Changed only inside <see cref="EnterAsync"/>, and only after the change committed.
/// </summary>
internal sealed class OwnedRoom(string id, RoomHead head, string headETag, int memberShards, RecentMessages history, RecentKeys keys, int leaseGeneration, TimeProvider time)
{
    private readonly Dictionary<string, RoomUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _edges = new(StringComparer.Ordinal);
    private readonly SortedSet<string>?[] _shards = new SortedSet<string>?[memberShards];
    private volatile bool _dropped;
    private long _lastUsed = time.GetTimestamp();

    public string Id => id;

    /// <summary>The replica lease under which the room was loaded (<see cref="RoomReplica.LeaseGeneration"/>).</summary>
    public int LeaseGeneration => leaseGeneration;

    private readonly SemaphoreSlim _gate = new(1, 1);

    // Joins and leaves wait here for a turn; the first to get one commits every change queued by
    // then in one transaction (group commit), so a busy room's joins do not take one commit each.
    private readonly List<MembershipChange> _queuedMembership = [];

    public RoomHead Head { get; set; } = head;

    public string HeadETag { get; set; } = headETag;

    public RecentMessages History => history;

    public RecentKeys Keys => keys;

    /// <summary>Set when this replica may no longer act for the room (fenced, or a commit of unknown outcome); it is loaded again.</summary>
    public bool Dropped
    {
        get => _dropped;
        set => _dropped = value;
    }

    public int MemberCount => _users.Count;

    public TimeSpan IdleFor => time.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    /// <summary>
    /// One change at a time: each commit rewrites the head with the ETag the previous one left. Fails
    /// with UNAVAILABLE once the room was dropped, so a waiter never acts on a stale picture.
    /// </summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        Interlocked.Exchange(ref _lastUsed, time.GetTimestamp());
        if (_dropped)
        {
            _gate.Release();
            throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, $"room '{id}' is being moved or reloaded; retry"));
        }

        return new Turn(_gate);
    }

    /// <summary>Queues a join or leave for the next turn that commits membership changes.</summary>
    public void Queue(MembershipChange change)
    {
        lock (_queuedMembership)
        {
            _queuedMembership.Add(change);
        }
    }

    /// <summary>Takes a change back if no turn took it yet (its caller gave up); false once a turn owns it.</summary>
    public bool TryUnqueue(MembershipChange change)
    {
        lock (_queuedMembership)
        {
            return _queuedMembership.Remove(change);
        }
    }

    /// <summary>Takes up to <paramref name="max"/> queued changes, oldest first. For the holder of a turn.</summary>
    public List<MembershipChange> TakeQueued(int max)
    {
        lock (_queuedMembership)
        {
            var count = Math.Min(max, _queuedMembership.Count);
            var taken = _queuedMembership.GetRange(0, count);
            _queuedMembership.RemoveRange(0, count);
            return taken;
        }
    }

    public RoomUser? User(string userId) => _users.GetValueOrDefault(userId);

    public bool IsMember(string userId, string connectionId) => _users.TryGetValue(userId, out var user) && user.Connections.ContainsKey(connectionId);

    public IReadOnlyList<string> Edges() => [.. _edges.Keys];

    public IEnumerable<KeyValuePair<string, int>> EdgeCounts() => _edges;

    public int ConnectionsOn(string edgeId) => _edges.GetValueOrDefault(edgeId);

    public IEnumerable<(string UserId, RoomUser User)> UsersOn(string edgeId) =>
        _users.Where(u => u.Value.Connections.ContainsValue(edgeId)).Select(u => (u.Key, u.Value));

    public int ShardOf(string userId) => MemberShards.Of(userId, _shards.Length);

    public int ShardCount => _shards.Length;

    public IEnumerable<string> ShardMembers(int shard) => (IEnumerable<string>?)_shards[shard] ?? [];

    /// <summary>The room's edge index record as it is stored.</summary>
    public EdgeIndex IndexRecord() => new() { Edges = new Dictionary<string, int>(_edges, StringComparer.Ordinal), Users = _users.Count };

    /// <summary>Sets a user's record after a commit (null = the user left), keeping edge counts and shards in step.</summary>
    public void SetUser(string userId, RoomUser? user)
    {
        if (_users.Remove(userId, out var previous))
        {
            foreach (var edge in previous.Connections.Values)
            {
                if (--_edges[edge] == 0)
                {
                    _edges.Remove(edge);
                }
            }
        }

        var shard = ShardOf(userId);
        if (user is null || user.Connections.Count == 0)
        {
            _shards[shard]?.Remove(userId);
            return;
        }

        _users[userId] = user;
        (_shards[shard] ??= new SortedSet<string>(StringComparer.Ordinal)).Add(userId);
        foreach (var edge in user.Connections.Values)
        {
            _edges[edge] = _edges.GetValueOrDefault(edge) + 1;
        }
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
