namespace Suite.Room.Owners;

/// <summary>
/// The idempotency keys an owned room has seen within the window, so a repeat is answered without a
/// store read. What this owner cannot have seen (keys from before it loaded the room, or evicted over
/// the cap) is not covered, and the caller looks those up in the store.
/// </summary>
internal sealed class RecentKeys(TimeSpan window, int capacity, DateTimeOffset loadedAt)
{
    private readonly Dictionary<string, RememberedKey> _keys = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset At)> _order = new();
    private DateTimeOffset _completeSince = loadedAt;

    public RememberedKey? Find(string key, DateTimeOffset now)
    {
        Expire(now);
        return _keys.GetValueOrDefault(key);
    }

    /// <summary>True when every key used within the window at <paramref name="now"/> was seen here.</summary>
    public bool Covers(DateTimeOffset now) => now - window >= _completeSince;

    public void Add(string key, RememberedKey remembered, DateTimeOffset now)
    {
        Expire(now);
        _keys[key] = remembered;
        _order.Enqueue((key, now));
        while (_order.Count > capacity)
        {
            var (evicted, at) = _order.Dequeue();
            _keys.Remove(evicted);
            _completeSince = at > _completeSince ? at : _completeSince;
        }
    }

    private void Expire(DateTimeOffset now)
    {
        while (_order.TryPeek(out var oldest) && now - oldest.At > window)
        {
            _order.Dequeue();
            _keys.Remove(oldest.Key);
        }
    }
}
