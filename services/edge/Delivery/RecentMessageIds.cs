using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Suite.Edge.Delivery;

/// <summary>
/// The message ids this edge delivered within the last <c>window</c>. Brokers deliver at least
/// once, so an EdgeDelivery redelivered after a lost acknowledgement must not reach sockets twice;
/// the window is a time (the brokers redeliver after a time, not after a number of other events),
/// and <c>maxIds</c> bounds memory under a delivery rate the window was not sized for: the oldest id
/// then goes early and is counted in <see cref="EvictedBeforeExpiry"/>. A repeat older than the
/// window is left to the client's own de-duplication on <c>id</c>.
/// </summary>
/// <remarks>
/// An id is remembered as a 128-bit hash under a seed drawn per instance, not as its string: the
/// window outlives two collections, so every string kept for it would be promoted to the oldest
/// generation and die there (tens of thousands at a few hundred deliveries a second; it was most of
/// what the edges promoted: 6-7 gen1 collections in 45 s of 500 direct messages/s, 1-2 without);
/// arrays of plain structs are not even scanned by the collector.
/// Two different ids taken for one needs equal 128-bit hashes within one window (~n²/2¹²⁹ for n ids).
/// </remarks>
public sealed class RecentMessageIds
{
    private readonly HashSet<IdHash> _seen;
    // In the order seen, which is also the order of expiry: the head is the oldest.
    private readonly Queue<(IdHash Id, long SeenAt)> _order;
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly int _maxIds;
    private long _evicted;

    public RecentMessageIds(TimeSpan window, int maxIds, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIds, 1);
        _time = time;
        _windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
        _maxIds = maxIds;
        // Grown on demand: an edge with few deliveries never holds the memory of a full window.
        _seen = [];
        _order = new Queue<(IdHash, long)>();
    }

    /// <summary>Ids that left the window before it expired because it held <c>maxIds</c>.</summary>
    public long EvictedBeforeExpiry => Volatile.Read(ref _evicted);

    /// <summary>True the first time an id is seen within the window.</summary>
    public bool TryAdd(string id)
    {
        var hash = IdHash.Of(id, _seed);
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            // Expiring on the way in keeps it to amortised O(1) per id with no timer.
            while (_order.TryPeek(out var oldest) && now - oldest.SeenAt >= _windowTicks)
            {
                _seen.Remove(_order.Dequeue().Id);
            }

            if (!_seen.Add(hash))
            {
                return false;
            }

            _order.Enqueue((hash, now));
            if (_order.Count > _maxIds)
            {
                _seen.Remove(_order.Dequeue().Id);
                _evicted++;
            }

            return true;
        }
    }

    // Two longs rather than a UInt128, whose 16-byte alignment would pad every set and queue entry.
    private readonly record struct IdHash(ulong High, ulong Low)
    {
        public static IdHash Of(string id, long seed)
        {
            var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(id.AsSpan()), seed);
            return new IdHash((ulong)(hash >> 64), (ulong)hash);
        }
    }
}
