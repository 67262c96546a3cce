using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.Room.Tests.Integration;

/// <summary>Rooms nobody uses leave the owner's memory and come back whole on their next call.</summary>
public sealed class IdleUnloadTests(RedisFixture redis) : IAsyncLifetime
{
    private RoomHost _room = null!;
    private RoomCounter _unloads = null!;

    public async ValueTask InitializeAsync()
    {
        _room = await RoomHost.StartAsync(redis, StateKind.Redis, TestContext.Current.CancellationToken, new Dictionary<string, string> { ["Rooms:IdleRoomUnload"] = "00:00:01" });
        _unloads = new RoomCounter(_room, "suite.room.ownership.unloads");
    }

    public async ValueTask DisposeAsync()
    {
        _unloads.Dispose();
        await _room.DisposeAsync();
    }

    [Fact]
    public async Task An_idle_room_is_unloaded_and_its_next_call_finds_members_seq_and_history()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await _room.JoinAsync(room, "alice", edge, "a1", ct);
        var first = await _room.SendAsync(room, "alice", edge, "a1", "1", ct, idempotencyKey: "k1");

        await Eventually.UntilAsync(() => Task.FromResult(_unloads.Total), unloaded => unloaded >= 1, TimeSpan.FromSeconds(10), ct, "the idle room was unloaded");
        var repeat = await _room.SendAsync(room, "alice", edge, "a1", "1", ct, idempotencyKey: "k1");
        var second = await _room.SendAsync(room, "alice", edge, "a1", "2", ct, idempotencyKey: "k2");

        Assert.Equal(first.MessageId, repeat.MessageId);
        Assert.Equal(2UL, second.Seq);
        var history = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 10 }, cancellationToken: ct);
        Assert.Equal([first.MessageId, second.MessageId], history.Messages.Select(m => m.Id));
        var head = await _room.ReadStateAsync($"room:{room}:seq");
        Assert.Equal(2, head!.Value.GetProperty("term").GetInt64());
    }
}
