using Microsoft.Extensions.Options;
using Suite.Presence.Memory;
using Suite.ServiceDefaults.State;

namespace Suite.Presence.State;

/// <summary>
/// Each lease's connections, so an ending lease finds its users without scanning all of them. A
/// connection is one slot key, written in the same transaction as its user's record; the slots a
/// process used are counted under a key only that process writes, per lease and shard, so a connect
/// writes a fixed number of bytes however many connections the edge holds, reads nothing, and shards
/// let connects on one edge index in parallel. Slots freed by this process are used again.
/// </summary>
public sealed class EdgeIndex(StateStore store, PresenceMemory memory, IOptions<PresenceOptions> options)
{
    // Keys per bulk read or delete transaction: bounds one sidecar call, however large the edge.
    private const int Batch = 500;

    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    /// <summary>Takes the turn of the connection's shard and a slot in it; dispose after the write.</summary>
    public async Task<Slot> ReserveAsync(string leaseId, string connectionId, CancellationToken cancellationToken)
    {
        var countKey = StateKeys.IndexCount(leaseId, memory.WriterId, StateKeys.ShardOf(connectionId, options.Value.EdgeIndexShards));
        var turn = await store.TurnAsync(countKey, cancellationToken);
        Counter counter;
        lock (_counters)
        {
            counter = _counters.TryGetValue(countKey, out var known) ? known : _counters[countKey] = new Counter(countKey);
        }

        // The counter's own key, not the one just built: every connection of the shard shares that
        // string through its record (ConnectionRecord.IndexedIn).
        return new Slot(this, counter.Key, counter, turn);
    }

    /// <summary>After a connection's slot was deleted by this process, its number can serve the next connect.</summary>
    public void Free(string slotKey)
    {
        var cut = slotKey.LastIndexOf(':');
        if (cut < 0 || !int.TryParse(slotKey.AsSpan(cut + 1), out var number))
        {
            return;
        }

        lock (_counters)
        {
            if (_counters.TryGetValue(slotKey[..cut], out var counter) && number < counter.Next)
            {
                counter.Free.Push(number);
            }
        }
    }

    /// <summary>Every slot written under a lease: its key and entry.</summary>
    public async Task<IReadOnlyList<(string Key, IndexEntry Entry)>> ReadAsync(string leaseId, IReadOnlyList<string> writers, CancellationToken cancellationToken)
    {
        var countKeys = CountKeys(leaseId, writers);
        var counts = await GetManyAsync<IndexCount>(countKeys, cancellationToken);
        var slotKeys = counts.SelectMany(count => Enumerable.Range(0, count.Value.Next).Select(slot => StateKeys.IndexSlot(count.Key, slot))).ToArray();
        var slots = await GetManyAsync<IndexEntry>(slotKeys, cancellationToken);
        return slots.Select(slot => (slot.Key, slot.Value)).ToArray();
    }

    /// <summary>Deletes a lease's slots and counts, once its users no longer list its connections.</summary>
    public async Task DeleteAsync(string leaseId, IReadOnlyList<string> writers, IEnumerable<string> slotKeys, CancellationToken cancellationToken)
    {
        var keys = slotKeys.Concat(CountKeys(leaseId, writers)).ToArray();
        foreach (var chunk in keys.Chunk(Batch))
        {
            await store.TransactAsync(chunk.Select(key => StateChange.Delete(key)).ToArray(), cancellationToken);
        }

        lock (_counters)
        {
            foreach (var key in CountKeys(leaseId, [memory.WriterId]))
            {
                _counters.Remove(key);
            }
        }
    }

    private string[] CountKeys(string leaseId, IReadOnlyList<string> writers) =>
        writers.SelectMany(writer => Enumerable.Range(0, options.Value.EdgeIndexShards).Select(shard => StateKeys.IndexCount(leaseId, writer, shard))).ToArray();

    private async Task<List<KeyValuePair<string, T>>> GetManyAsync<T>(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        where T : class
    {
        var found = new List<KeyValuePair<string, T>>();
        foreach (var chunk in keys.Chunk(Batch))
        {
            found.AddRange(await store.GetManyAsync<T>(chunk, cancellationToken));
        }

        return found;
    }

    internal sealed class Counter(string key)
    {
        public string Key { get; } = key;

        public int Next { get; set; }

        public Stack<int> Free { get; } = new();
    }

    /// <summary>A reserved slot, held under its shard's turn until disposed.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly EdgeIndex _owner;
        private readonly Counter _counter;
        private readonly IDisposable _turn;
        private readonly string _countKey;
        private readonly int _number;
        private readonly bool _reused;
        private bool _used;

        internal Slot(EdgeIndex owner, string countKey, Counter counter, IDisposable turn)
        {
            _owner = owner;
            _countKey = countKey;
            _counter = counter;
            _turn = turn;
            lock (owner._counters)
            {
                _reused = counter.Free.TryPop(out _number);
                if (!_reused)
                {
                    _number = counter.Next;
                }
            }

            Key = StateKeys.IndexSlot(countKey, _number);
        }

        public string Key { get; }

        /// <summary>The count key of the slot's lease and shard, one string for all of their slots.</summary>
        public string CountKey => _countKey;

        /// <summary>The slot's number under <see cref="CountKey"/>: <see cref="Key"/> is <see cref="StateKeys.IndexSlot"/>(CountKey, Number).</summary>
        public int Number => _number;

        /// <summary>The writes that list the connection: its slot, and the count when the slot is new.</summary>
        public IReadOnlyList<StateChange> Changes(string userId, string connectionId)
        {
            var entry = StateChange.Upsert(Key, new IndexEntry { UserId = userId, ConnectionId = connectionId });
            return _reused ? [entry] : [entry, StateChange.Upsert(_countKey, new IndexCount { Next = _number + 1 })];
        }

        /// <summary>The slot now holds a connection: it is not handed out again.</summary>
        public void Used()
        {
            _used = true;
            lock (_owner._counters)
            {
                if (!_reused)
                {
                    _counter.Next = _number + 1;
                }
            }
        }

        public void Dispose()
        {
            if (_reused && !_used)
            {
                lock (_owner._counters)
                {
                    _counter.Free.Push(_number);
                }
            }

            _turn.Dispose();
        }
    }
}
