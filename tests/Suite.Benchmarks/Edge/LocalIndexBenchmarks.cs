using BenchmarkDotNet.Attributes;
using Suite.Edge.Routing;

namespace Suite.Benchmarks.Edge;

// An edge with 10k connections of 5k users, each connection in 2 of 1000 rooms (about 20 members a
// room) and one of 100 channels; one large room holds every connection.
[MemoryDiagnoser]
public class LocalIndexBenchmarks
{
    private const int Connections = 10_000;

    private readonly LocalIndex<object> _index = new();
    private readonly object[] _connections = new object[Connections];
    private readonly object _spare = new();
    private readonly object _joiner = new();
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Connections; i++)
        {
            var conn = _connections[i] = new object();
            _index.AddConnection($"user-{i % 5000}", conn);
            _index.Join($"room-{i % 1000}", conn);
            _index.Join($"room-{(i + 1) % 1000}", conn);
            _index.Join("lobby", conn);
            _index.Subscribe($"channel-{i % 100}", conn);
        }

        _index.AddConnection("user-joiner", _joiner);
    }

    [Benchmark]
    public int Room_members_lookup_unchanged() => _index.RoomMembers("room-7").Length;

    [Benchmark]
    public int Lobby_members_lookup_unchanged() => _index.RoomMembers("lobby").Length;

    [Benchmark]
    public int User_connections_lookup() => _index.ConnectionsOf("user-7").Length;

    [Benchmark]
    public int Channel_subscribers_lookup() => _index.ChannelSubscribers("channel-7").Length;

    // Into and out of the room that holds every connection.
    [Benchmark]
    public MembershipResult Join_then_leave()
    {
        var result = _index.Join("lobby", _joiner);
        _index.Leave("lobby", _joiner);
        return result;
    }

    // A change to a 20-member room, then the lookup that fan-out would do: includes the snapshot rebuild.
    [Benchmark]
    public int Join_leave_then_room_lookup()
    {
        var conn = _connections[(_next++ % 10) * 1000 + 7];
        _index.Leave("room-7", conn);
        _index.Join("room-7", conn);
        return _index.RoomMembers("room-7").Length;
    }

    // Connect, join two rooms and a channel, disconnect: the index work of one short-lived connection.
    [Benchmark]
    public RemovedConnection? Connection_lifecycle()
    {
        _index.AddConnection("user-7", _spare);
        _index.Join("room-7", _spare);
        _index.Join("room-8", _spare);
        _index.Subscribe("channel-7", _spare);
        return _index.RemoveConnection(_spare);
    }
}
