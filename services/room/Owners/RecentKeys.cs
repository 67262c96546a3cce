using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Suite.Room.Messaging;
using Suite.ServiceDefaults.Hashing;

namespace Suite.Room.Owners;

/// <summary>
/// The idempotency keys an owned room has seen within the window, so a repeat is answered without a
/// store read. What this owner cannot have seen (keys from before it loaded the room, or evicted over
/// the cap) is not covered, and the caller looks those up in the store.
/// </summary>
/// <remarks>
/// Keys are remembered as <see cref="StringHash"/>es and message ids as their 16 bytes, in structs:
/// the window is minutes long, so the strings and an object per key were promoted to the oldest
/// generation with every keyed message and died there (~6,000 keys a minute in the bench's fan-out).
/// Its own lock: a message's deliveries are marked after the room's lock is released.
/// </remarks>
internal sealed class RecentKeys(TimeSpan window, int capacity, DateTimeOffset loadedAt)
{
    private readonly Dictionary<StringHash, Entry> _keys = [];
    // In the order added, which is also the order of expiry: the head is the oldest.
    private readonly Queue<(StringHash Key, long AddedAtTicks)> _order = new();
    // Message ids not in MessageIds' form (records written by something else), which a Guid cannot hold.
    private readonly Dictionary<StringHash, string> _otherIds = [];
    private readonly long _seed = StringHash.NewSeed();
    private readonly Lock _lock = new();
    private DateTimeOffset _completeSince = loadedAt;

    public RememberedKey? Find(string key, DateTimeOffset now)
    {
        var hash = StringHash.Of(key, _seed);
        lock (_lock)
        {
            Expire(now);
            return _keys.TryGetValue(hash, out var entry) ? Remembered(hash, entry) : null;
        }
    }

    /// <summary>True when every key used within the window at <paramref name="now"/> was seen here.</summary>
    public bool Covers(DateTimeOffset now)
    {
        lock (_lock)
        {
            return now - window >= _completeSince;
        }
    }

    /// <summary>Remembers the first result of <paramref name="key"/>, not yet published; a key already remembered keeps its own.</summary>
    public void Add(string key, string messageId, ulong seq, long timestamp, DateTimeOffset now)
    {
        var hash = StringHash.Of(key, _seed);
        lock (_lock)
        {
            Expire(now);
            if (_keys.ContainsKey(hash))
            {
                return;
            }

            // The oldest go before the new one comes, so neither the set nor the queue ever holds more
            // than the cap (the queue's array would double past it).
            while (_order.Count >= capacity)
            {
                var (evicted, addedAtTicks) = _order.Dequeue();
                Forget(evicted);
                var addedAt = new DateTimeOffset(addedAtTicks, TimeSpan.Zero);
                _completeSince = addedAt > _completeSince ? addedAt : _completeSince;
            }

            if (!MessageIds.TryCompact(messageId, out var compactId))
            {
                _otherIds[hash] = messageId;
            }

            _keys.Add(hash, new Entry { MessageId = compactId, Seq = seq, Timestamp = timestamp });
            _order.Enqueue((hash, now.UtcTicks));
        }
    }

    /// <summary>Records that the message <paramref name="seq"/> remembered for <paramref name="key"/> went out to its edges.</summary>
    public void MarkPublished(string key, ulong seq, int edgesTargeted)
    {
        var hash = StringHash.Of(key, _seed);
        lock (_lock)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_keys, hash);
            // Gone (expired meanwhile) or another message's (forgotten, then used again): nothing to mark.
            if (!Unsafe.IsNullRef(ref entry) && entry.Seq == seq)
            {
                entry.Published = true;
                entry.EdgesTargeted = edgesTargeted;
            }
        }
    }

    private void Expire(DateTimeOffset now)
    {
        var expiredBefore = now.UtcTicks - window.Ticks;
        while (_order.TryPeek(out var oldest) && oldest.AddedAtTicks < expiredBefore)
        {
            Forget(_order.Dequeue().Key);
        }
    }

    private void Forget(StringHash key)
    {
        _keys.Remove(key);
        if (_otherIds.Count > 0)
        {
            _otherIds.Remove(key);
        }
    }

    private RememberedKey Remembered(StringHash key, in Entry entry) => new(
        _otherIds.Count > 0 && _otherIds.TryGetValue(key, out var id) ? id : MessageIds.Expand(entry.MessageId),
        entry.Seq,
        entry.Timestamp,
        entry.Published,
        entry.EdgesTargeted);

    // No references: the dictionary's arrays are plain data to the collector.
    private struct Entry
    {
        public Guid MessageId;
        public ulong Seq;
        public long Timestamp;
        public int EdgesTargeted;
        public bool Published;
    }
}
