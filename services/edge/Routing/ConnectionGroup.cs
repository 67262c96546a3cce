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
    private readonly Lock _lock = new();
    private readonly HashSet<TConnection> _members = new(ReferenceEqualityComparer.Instance);
    private TConnection[]? _snapshot;

    // Set, under the lock, when the group left its dictionary for being empty; adders that still
    // hold it must fetch the group again, or their member would land in a group nobody can find.
    private bool _retired;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _members.Count;
            }
        }
    }

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
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }

            if (_members.Add(connection))
            {
                Volatile.Write(ref _snapshot, null);
            }

            return true;
        }
    }

    public void Remove(TConnection connection)
    {
        lock (_lock)
        {
            if (_members.Remove(connection))
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
            lock (_lock)
            {
                snapshot = _snapshot;
                if (snapshot is null)
                {
                    snapshot = _members.Count == 0 ? [] : [.. _members];
                    Volatile.Write(ref _snapshot, snapshot);
                }
            }
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(snapshot);
    }

    private bool RemoveAndRetireIfEmpty(ConcurrentDictionary<string, ConnectionGroup<TConnection>> groups, string key, TConnection connection)
    {
        lock (_lock)
        {
            if (!_members.Remove(connection))
            {
                return false;
            }

            Volatile.Write(ref _snapshot, null);
            if (_members.Count > 0)
            {
                return false;
            }

            _retired = true;
            groups.TryRemove(new KeyValuePair<string, ConnectionGroup<TConnection>>(key, this));
            return true;
        }
    }
}
