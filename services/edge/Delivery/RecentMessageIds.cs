namespace Suite.Edge.Delivery;

/// <summary>
/// The last N message ids this edge delivered. Brokers deliver at least once, so a redelivered
/// EdgeDelivery must not reach sockets twice; a bounded window keeps memory fixed, and a repeat
/// older than the window is left to the client's own de-duplication on <c>id</c>.
/// </summary>
public sealed class RecentMessageIds(int capacity)
{
    private readonly HashSet<string> _seen = new(capacity, StringComparer.Ordinal);
    private readonly Queue<string> _order = new(capacity);
    private readonly Lock _lock = new();

    /// <summary>True the first time an id is seen within the window.</summary>
    public bool TryAdd(string id)
    {
        lock (_lock)
        {
            if (!_seen.Add(id))
            {
                return false;
            }

            _order.Enqueue(id);
            if (_order.Count > capacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }
}
