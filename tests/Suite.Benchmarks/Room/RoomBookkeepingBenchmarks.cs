using BenchmarkDotNet.Attributes;
using Suite.Room.Messaging;
using Suite.Room.Owners;
using Suite.Room.State;

namespace Suite.Benchmarks.Room;

// What an owned room remembers per keyed message, in steady state: the key (its set full, so each new
// key also evicts the oldest), the deliveries marked once published, and the message in the history
// ring. Keys and messages are made up front and cycle, so the figures are the bookkeeping alone; the
// baseline is the same three steps as they were before the keys and history became structs.
[MemoryDiagnoser]
public class RoomBookkeepingBenchmarks
{
    private const int Capacity = 65_536;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string[] _keys = Enumerable.Range(0, 2 * Capacity).Select(n => $"client-{Guid.NewGuid():N}-{n}").ToArray();
    private readonly StoredMessage[] _messages = Enumerable.Range(1, 1024).Select(n => new StoredMessage
    {
        Id = MessageIds.New(),
        Seq = (ulong)n,
        Timestamp = 1_700_000_000_000 + n,
        UserId = $"user-{n % 50}",
        ContentJson = $"{{\"text\":\"bench:{n}:123456789012\"}}",
    }).ToArray();

    private RecentKeys _keysNow = null!;
    private RecentMessages _historyNow = null!;
    private KeysBefore _keysBefore = null!;
    private StoredMessage?[] _historyBefore = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _keysNow = new RecentKeys(TimeSpan.FromHours(1), Capacity, DateTimeOffset.MinValue);
        _historyNow = new RecentMessages(100);
        _keysBefore = new KeysBefore(Capacity);
        _historyBefore = new StoredMessage?[100];
        for (var n = 0; n < Capacity; n++)
        {
            Objects_before();
            Structs_now();
        }
    }

    [Benchmark(Baseline = true)]
    public void Objects_before()
    {
        var (key, message) = Next();
        var remembered = new KeyBefore { MessageId = message.Id, Seq = message.Seq, Timestamp = message.Timestamp };
        _keysBefore.Add(key, remembered, Now);
        _historyBefore[message.Seq % 100] = message;
        remembered.EdgesTargeted = 2;
        remembered.Published = true;
    }

    [Benchmark]
    public void Structs_now()
    {
        var (key, message) = Next();
        _keysNow.Add(key, message.Id, message.Seq, message.Timestamp, Now);
        _historyNow.Add(message);
        _keysNow.MarkPublished(key, message.Seq, 2);
    }

    private (string Key, StoredMessage Message) Next()
    {
        var n = _next++;
        return (_keys[n % _keys.Length], _messages[n % _messages.Length]);
    }

    private sealed class KeyBefore
    {
        public required string MessageId { get; init; }

        public required ulong Seq { get; init; }

        public required long Timestamp { get; init; }

        public bool Published { get; set; }

        public int EdgesTargeted { get; set; }
    }

    // RecentKeys before 65789ad, less its expiry (the window here never passes).
    private sealed class KeysBefore(int capacity)
    {
        private readonly Dictionary<string, KeyBefore> _keys = new(StringComparer.Ordinal);
        private readonly Queue<(string Key, DateTimeOffset At)> _order = new();

        public void Add(string key, KeyBefore remembered, DateTimeOffset now)
        {
            _keys[key] = remembered;
            _order.Enqueue((key, now));
            while (_order.Count > capacity)
            {
                _keys.Remove(_order.Dequeue().Key);
            }
        }
    }
}
