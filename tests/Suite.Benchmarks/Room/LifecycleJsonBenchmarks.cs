using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Room.V1;
using Suite.Room.Membership;

namespace Suite.Benchmarks.Room;

// One room.lifecycle event, formatted inside the room's turn per membership change: protobuf's
// JsonFormatter (before) against the room's own writer (after), both as the UTF-8 bytes published.
[MemoryDiagnoser]
public class LifecycleJsonBenchmarks
{
    private readonly RoomLifecycleEvent _event = new()
    {
        RoomId = "fanout-room-7",
        UserId = "user-00042",
        ConnectionId = "c0f3a9d2e1b84c7d",
        EdgeId = "edge-1",
        Kind = RoomLifecycleKind.Joined,
        Reason = "join",
        At = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 6, 11, 40, 12, 345, TimeSpan.Zero).AddTicks(6789)),
        Version = 1_796_555_594_000_017,
        UserChanged = true,
    };

    [Benchmark(Baseline = true)]
    public byte[] Protobuf_json_formatter() => System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(_event));

    [Benchmark]
    public byte[] Room_lifecycle_writer() => RoomLifecycleJson.Format(_event);
}
