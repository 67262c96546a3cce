using BenchmarkDotNet.Attributes;
using Suite.Edge.Delivery;

namespace Suite.Benchmarks.Edge;

// One TryAdd per delivery in steady state, where each new id also makes one leave: by expiry (a
// clock that moves one tick a call, the window 16,384 ticks), by the cap (a window that never
// passes), and the count window it replaced (16,384 ids) as the baseline. Ids cycle through 65,536
// strings made up front, so each is new again when it comes back and no benchmark allocates ids.
[MemoryDiagnoser]
public class RecentMessageIdsBenchmarks
{
    private const int Window = 16_384;

    private readonly string[] _ids = Enumerable.Range(0, 65_536).Select(n => $"m-{Guid.NewGuid():N}-{n}").ToArray();
    private RecentMessageIds _byExpiry = null!;
    private RecentMessageIds _byCap = null!;
    private CountWindow _baseline = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _byExpiry = new RecentMessageIds(TimeSpan.FromTicks(Window), maxIds: 1_000_000, new StepClock());
        _byCap = new RecentMessageIds(TimeSpan.FromHours(1), maxIds: Window, TimeProvider.System);
        _baseline = new CountWindow(Window);
        foreach (var id in _ids)
        {
            _byExpiry.TryAdd(id);
            _byCap.TryAdd(id);
            _baseline.TryAdd(id);
        }
    }

    [Benchmark(Baseline = true)]
    public bool Count_window_before() => _baseline.TryAdd(NextId());

    [Benchmark]
    public bool Time_window_expiring_one() => _byExpiry.TryAdd(NextId());

    [Benchmark]
    public bool Time_window_full_evicting_one() => _byCap.TryAdd(NextId());

    [Benchmark]
    public bool Time_window_repeat_refused() => _byCap.TryAdd(_ids[(_next + _ids.Length - 1) % _ids.Length]);

    private string NextId() => _ids[_next++ & (65_536 - 1)];

    // Ticks per second as TimeSpan's, so the window in ticks is exactly Window calls.
    private sealed class StepClock : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ++_now;
    }

    // RecentMessageIds before the time window: the last N ids.
    private sealed class CountWindow(int capacity)
    {
        private readonly HashSet<string> _seen = new(capacity, StringComparer.Ordinal);
        private readonly Queue<string> _order = new(capacity);
        private readonly Lock _lock = new();

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
}
