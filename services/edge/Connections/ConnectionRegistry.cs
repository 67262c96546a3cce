using System.Collections.Concurrent;

namespace Suite.Edge.Connections;

/// <summary>Every open connection on this edge, authenticated or not, for timers, drain and metrics.</summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private TaskCompletionSource? _empty;

    public int Count => _connections.Count;

    /// <summary>
    /// Every open connection, read live: the dictionary's own enumerator takes no lock and copies
    /// nothing, where <c>Values</c> locks every bucket and copies all connections into a new list
    /// (the sweep reads this every second). A connection added or removed meanwhile may be seen or not.
    /// </summary>
    public IEnumerable<Connection> All
    {
        get
        {
            foreach (var pair in _connections)
            {
                yield return pair.Value;
            }
        }
    }

    /// <summary>When the sweep looks at each registered connection next.</summary>
    public SweepWheel Wheel { get; } = new();

    /// <summary>Registers <paramref name="connection"/>; the next sweep looks at it first.</summary>
    public void Add(Connection connection)
    {
        _connections[connection.Id] = connection;
        connection.Wheel = Wheel;
        Wheel.Wake(connection);
    }

    public void Remove(Connection connection)
    {
        connection.Wheel = null;
        if (_connections.TryRemove(connection.Id, out _) && _connections.IsEmpty)
        {
            Volatile.Read(ref _empty)?.TrySetResult();
        }
    }

    /// <summary>Completes once no connection is left (at once if none is open now).</summary>
    public Task WhenEmptyAsync()
    {
        var empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _empty, empty);
        if (_connections.IsEmpty)
        {
            empty.TrySetResult();
        }

        return empty.Task;
    }

    public Connection? Find(string id) => _connections.TryGetValue(id, out var connection) ? connection : null;
}
