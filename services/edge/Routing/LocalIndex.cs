using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Suite.Edge.Routing;

/// <summary>
/// Who is connected to this edge: user -> connections (one per device), room -> connections and
/// channel -> connections. Updates and lookups are O(1); lookups return a snapshot that is reused
/// until the set changes, so fan-out does not allocate.
/// </summary>
/// <remarks>
/// Every change to one connection's memberships runs under that connection's own lock, and its own
/// room and channel sets are the truth the shared groups follow. So a connection's operations are
/// serialised while different connections never wait for each other (group locks are held only for
/// a set update). The rule for races: <see cref="RemoveConnection"/> is final. A join or subscribe
/// either completes before it (and is undone by it, and reported in its result) or finds the
/// connection removed and returns <see cref="MembershipResult.NotConnected"/>; nothing can re-enter
/// an index after removal. The same connection object may be added again once removal returned.
/// </remarks>
public sealed class LocalIndex<TConnection>
    where TConnection : class
{
    private readonly ConcurrentDictionary<TConnection, Entry> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, ConnectionGroup<TConnection>> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionGroup<TConnection>> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionGroup<TConnection>> _channels = new(StringComparer.Ordinal);
    private readonly ConnectionGroup<TConnection> _all = new();

    /// <summary>Connections on this edge.</summary>
    public int ConnectionCount => _all.Count;

    /// <summary>Users with at least one connection on this edge.</summary>
    public int UserCount => _users.Count;

    /// <summary>Rooms with at least one member on this edge; empty rooms are forgotten.</summary>
    public int RoomCount => _rooms.Count;

    /// <summary>Channels with at least one subscriber on this edge; empty channels are forgotten.</summary>
    public int ChannelCount => _channels.Count;

    /// <summary>Registers an authenticated connection of <paramref name="userId"/>. False if it is already registered.</summary>
    public bool AddConnection(string userId, TConnection connection)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(connection);

        var entry = new Entry(userId);
        // Locked before it is published, so a racing removal waits until the groups are filled.
        lock (entry)
        {
            if (!_connections.TryAdd(connection, entry))
            {
                return false;
            }

            ConnectionGroup<TConnection>.Add(_users, userId, connection);
            _all.TryAdd(connection);
            return true;
        }
    }

    /// <summary>
    /// Takes the connection out of its user, every room and every channel. Null if it was not
    /// registered or another caller removed it first, so exactly one caller reports the departure.
    /// </summary>
    public RemovedConnection? RemoveConnection(TConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);

        if (!_connections.TryGetValue(connection, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            if (entry.Removed)
            {
                return null;
            }

            entry.Removed = true;
            foreach (var room in entry.Rooms ?? [])
            {
                ConnectionGroup<TConnection>.Remove(_rooms, room, connection);
            }

            foreach (var channel in entry.Channels ?? [])
            {
                ConnectionGroup<TConnection>.Remove(_channels, channel, connection);
            }

            var wasLast = ConnectionGroup<TConnection>.Remove(_users, entry.UserId, connection);
            _all.Remove(connection);

            // Last, so a new registration of the same object cannot start before this one is undone.
            _connections.TryRemove(new KeyValuePair<TConnection, Entry>(connection, entry));

            return new RemovedConnection(
                entry.UserId,
                (IReadOnlyCollection<string>?)entry.Rooms ?? [],
                (IReadOnlyCollection<string>?)entry.Channels ?? [],
                wasLast);
        }
    }

    /// <summary>Adds the connection to a room, unless it is already in <paramref name="maxRooms"/> rooms.</summary>
    public MembershipResult Join(string roomId, TConnection connection, int maxRooms = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomId);
        return AddMembership(_rooms, roomId, connection, maxRooms, static entry => entry.Rooms ??= new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>Takes the connection out of a room. False if it was not in it.</summary>
    public bool Leave(string roomId, TConnection connection)
    {
        ArgumentException.ThrowIfNullOrEmpty(roomId);
        return RemoveMembership(_rooms, roomId, connection, static entry => entry.Rooms);
    }

    /// <summary>Subscribes the connection to a channel, unless it already has <paramref name="maxChannels"/> subscriptions.</summary>
    public MembershipResult Subscribe(string channel, TConnection connection, int maxChannels = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        return AddMembership(_channels, channel, connection, maxChannels, static entry => entry.Channels ??= new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>Ends the connection's subscription to a channel. False if it had none.</summary>
    public bool Unsubscribe(string channel, TConnection connection)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        return RemoveMembership(_channels, channel, connection, static entry => entry.Channels);
    }

    /// <summary>The user's connections on this edge (one per device); empty if none.</summary>
    public ImmutableArray<TConnection> ConnectionsOf(string userId) => Lookup(_users, userId);

    /// <summary>The room's members on this edge; empty if none.</summary>
    public ImmutableArray<TConnection> RoomMembers(string roomId) => Lookup(_rooms, roomId);

    /// <summary>How many of the room's members are on this edge, without the snapshot a lookup builds after a change.</summary>
    public int RoomMemberCount(string roomId) => _rooms.TryGetValue(roomId, out var group) ? group.Count : 0;

    /// <summary>The channel's subscribers on this edge; empty if none.</summary>
    public ImmutableArray<TConnection> ChannelSubscribers(string channel) => Lookup(_channels, channel);

    /// <summary>Every connection on this edge.</summary>
    public ImmutableArray<TConnection> AllConnections() => _all.Snapshot();

    /// <summary>The rooms with members on this edge (a snapshot; for the Development ops view, not the hot path).</summary>
    public string[] RoomIds() => [.. _rooms.Keys];

    /// <summary>Whether the user still has a connection on this edge.</summary>
    public bool HasConnections(string userId) => _users.TryGetValue(userId, out var group) && group.Count > 0;

    /// <summary>Whether the connection is registered (added and not removed).</summary>
    public bool IsConnected(TConnection connection) => _connections.TryGetValue(connection, out var entry) && !entry.Removed;

    /// <summary>The user of a registered connection.</summary>
    public bool TryGetUser(TConnection connection, [NotNullWhen(true)] out string? userId)
    {
        userId = _connections.TryGetValue(connection, out var entry) && !entry.Removed ? entry.UserId : null;
        return userId is not null;
    }

    /// <summary>How many rooms the connection is in, for the per-connection limit.</summary>
    public int RoomCountOf(TConnection connection) => Count(connection, static entry => entry.Rooms);

    /// <summary>How many channels the connection subscribes to, for the per-connection limit.</summary>
    public int ChannelCountOf(TConnection connection) => Count(connection, static entry => entry.Channels);

    /// <summary>Whether the connection is in the room (e.g. before it may send to it).</summary>
    public bool IsInRoom(string roomId, TConnection connection) => Contains(connection, roomId, static entry => entry.Rooms);

    /// <summary>Whether the connection subscribes to the channel.</summary>
    public bool IsSubscribed(string channel, TConnection connection) => Contains(connection, channel, static entry => entry.Channels);

    /// <summary>A copy of the rooms the connection is in.</summary>
    public string[] RoomsOf(TConnection connection) => Copy(connection, static entry => entry.Rooms);

    /// <summary>A copy of the channels the connection subscribes to.</summary>
    public string[] ChannelsOf(TConnection connection) => Copy(connection, static entry => entry.Channels);

    private static ImmutableArray<TConnection> Lookup(ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return groups.TryGetValue(key, out var group) ? group.Snapshot() : [];
    }

    private MembershipResult AddMembership(
        ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups,
        string key,
        TConnection connection,
        int max,
        Func<Entry, HashSet<string>> memberships)
    {
        ArgumentNullException.ThrowIfNull(connection);

        if (!_connections.TryGetValue(connection, out var entry))
        {
            return MembershipResult.NotConnected;
        }

        lock (entry)
        {
            if (entry.Removed)
            {
                return MembershipResult.NotConnected;
            }

            var set = memberships(entry);
            if (set.Contains(key))
            {
                return MembershipResult.AlreadyMember;
            }

            if (set.Count >= max)
            {
                return MembershipResult.LimitReached;
            }

            set.Add(key);
            ConnectionGroup<TConnection>.Add(groups, key, connection);
            return MembershipResult.Added;
        }
    }

    private bool RemoveMembership(
        ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups,
        string key,
        TConnection connection,
        Func<Entry, HashSet<string>?> memberships)
    {
        ArgumentNullException.ThrowIfNull(connection);

        if (!_connections.TryGetValue(connection, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            if (entry.Removed || memberships(entry)?.Remove(key) != true)
            {
                return false;
            }

            ConnectionGroup<TConnection>.Remove(groups, key, connection);
            return true;
        }
    }

    private int Count(TConnection connection, Func<Entry, HashSet<string>?> memberships)
    {
        if (!_connections.TryGetValue(connection, out var entry))
        {
            return 0;
        }

        lock (entry)
        {
            return entry.Removed ? 0 : memberships(entry)?.Count ?? 0;
        }
    }

    private bool Contains(TConnection connection, string key, Func<Entry, HashSet<string>?> memberships)
    {
        if (!_connections.TryGetValue(connection, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            return !entry.Removed && memberships(entry)?.Contains(key) == true;
        }
    }

    private string[] Copy(TConnection connection, Func<Entry, HashSet<string>?> memberships)
    {
        if (!_connections.TryGetValue(connection, out var entry))
        {
            return [];
        }

        lock (entry)
        {
            return entry.Removed ? [] : [.. memberships(entry) ?? []];
        }
    }

    // One per connection, and its own lock: a separate lock object would cost every idle connection
    // an allocation, and the entry is never visible outside this class.
    private sealed class Entry(string userId)
    {
        // Written under the entry's lock; volatile for the lock-free IsConnected and TryGetUser.
        private volatile bool _removed;

        public string UserId { get; } = userId;

        public HashSet<string>? Rooms { get; set; }

        public HashSet<string>? Channels { get; set; }

        public bool Removed
        {
            get => _removed;
            set => _removed = value;
        }
    }
}
