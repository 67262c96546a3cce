using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.Room.State;
using Suite.ServiceDefaults;
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
    [Fact]
    public async Task A_message_stored_with_its_frame_comes_back_from_history_verbatim_and_new_ones_store_none()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await _room.JoinAsync(room, "alice", edge, "a1", ct);
        var sent = await _room.SendAsync(room, "alice", edge, "a1", "\"new\"", ct);
        var term = (await _room.ReadStateAsync($"room:{room}:seq"))!.Value.GetProperty("term").GetInt64();
        var key = StateKeys.RoomHistory(room, term, sent.Seq, _room.Services.GetRequiredService<IOptions<RoomOptions>>().Value.HistorySize);
        var stored = (await _room.ReadStateAsync(key))!.Value;
        Assert.Equal(sent.MessageId, stored.GetProperty("id").GetString());
        Assert.False(stored.TryGetProperty("json", out _));

        // The same slot as a room of the previous version wrote it: the frame stored with the fields.
        var frame = $$"""{"type":"message","roomId":"{{room}}","from":"alice", "content":"old" ,"seq":1,"timestamp":1700000000000,"id":"{{sent.MessageId}}"}""";
        await _room.Dapr.SaveStateAsync(DaprNames.StateStore, key, new { id = sent.MessageId, seq = 1, timestamp = 1_700_000_000_000, userId = "alice", contentJson = "\"old\"", json = frame }, cancellationToken: ct);
        await Eventually.UntilAsync(() => Task.FromResult(_unloads.Total), unloaded => unloaded >= 1, TimeSpan.FromSeconds(10), ct, "the idle room was unloaded");

        var history = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 10 }, cancellationToken: ct);

        Assert.Equal(frame, Assert.Single(history.Messages).Json);
    }
}
