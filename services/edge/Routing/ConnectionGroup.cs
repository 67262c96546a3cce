using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Suite.Edge.Routing;

// The connections of one user, room or channel. Fan-out reads far more often than membership
// changes, so reads return a cached array that is rebuilt only on the first read after a change:
// a lookup allocates nothing in the steady state, and a rebuild costs no more than the fan-out
// over the same members that follows it.
internal sealed class ConnectionGroup<TConnection>
    where TConnection : class
{
    // Most groups are one user's connections, and most users have one: a lone member is held in a
    // field, and the set exists only while there are two or more (an idle connection's user group
    // costs 48 bytes instead of about 250). The group locks itself rather than a Lock object for
    // the same reason; it is never handed out, so nothing else takes that lock.
    private TConnection? _single;
    private HashSet<TConnection>? _members;
    private TConnection[]? _snapshot;

    // Set, under the lock, when the group left its dictionary for being empty; adders that still
    // hold it must fetch the group again, or their member would land in a group nobody can find.
    private bool _retired;

    public int Count
    {
        get
        {
            lock (this)
            {
                return CountLocked;
            }
        }
    }

    private int CountLocked => _members?.Count ?? (_single is null ? 0 : 1);

    public static void Add(ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups, string key, TConnection connection)
    {
        while (!groups.GetOrAdd(key, static _ => new ConnectionGroup<TConnection>()).TryAdd(connection))
        {
        }
    }

    // Returns true when this removal emptied the group (and so took it out of the dictionary).
    public static bool Remove(ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups, string key, TConnection connection)
    {
        return groups.TryGetValue(key, out var group) && group.RemoveAndRetireIfEmpty(groups, key, connection);
    }

    public bool TryAdd(TConnection connection)
    {
        lock (this)
        {
            if (_retired)
            {
                return false;
            }

            if (AddLocked(connection))
            {
                Volatile.Write(ref _snapshot, null);
            }

            return true;
        }
    }

    public void Remove(TConnection connection)
    {
        lock (this)
        {
            if (RemoveLocked(connection))
            {
                Volatile.Write(ref _snapshot, null);
            }
        }
    }

    public ImmutableArray<TConnection> Snapshot()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is null)
        {
            lock (this)
            {
                snapshot = _snapshot;
                if (snapshot is null)
                {
                    snapshot = _members is { } members ? [.. members] : _single is { } single ? [single] : [];
                    Volatile.Write(ref _snapshot, snapshot);
                }
            }
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(snapshot);
    }

    private bool AddLocked(TConnection connection)
    {
        if (_members is { } members)
        {
            return members.Add(connection);
        }

        if (_single is null)
        {
            _single = connection;
            return true;
        }

        if (ReferenceEquals(_single, connection))
        {
            return false;
        }

        _members = new HashSet<TConnection>(ReferenceEqualityComparer.Instance) { _single, connection };
        _single = null;
        return true;
    }

    private bool RemoveLocked(TConnection connection)
    {
        if (_members is { } members)
        {
            if (!members.Remove(connection))
            {
                return false;
            }

            // Back to one member: give the set's memory back too.
            if (members.Count == 1)
            {
                _single = members.First();
                _members = null;
            }

            return true;
        }

        if (!ReferenceEquals(_single, connection))
        {
            return false;
        }

        _single = null;
        return true;
    }

    private bool RemoveAndRetireIfEmpty(ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups, string key, TConnection connection)
    {
        lock (this)
        {
            if (!RemoveLocked(connection))
            {
                return false;
            }

            Volatile.Write(ref _snapshot, null);
            if (CountLocked > 0)
            {
                return false;
            }

            _retired = true;
            groups.TryRemove(new KeyValuePair<string, ConnectionGroup<TConnection>>(key, this));
            return true;
        }
    }
}
