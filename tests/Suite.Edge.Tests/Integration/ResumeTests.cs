using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Edge.V1;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// Resuming joins and history through a real edge, its sidecar and the fake room over real gRPC:
/// the replay, the live messages held around it, and what is refused.
/// </summary>
public sealed class ResumeTests : IAsyncLifetime
{
    private const string Epoch = "epoch-1";
    private const int IdFilterSize = 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private EdgeHost _edge = null!;

    // The id filter's smallest size, so a test can make it forget an id (EvictFromIdFilterAsync).
    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(
        TestContext.Current.CancellationToken,
        new Dictionary<string, string>
        {
            ["Resume:MaxReplay"] = "5",
            ["Resume:MaxHistoryLimit"] = "3",
            ["Resume:FillLiveGaps"] = "true",
            ["Delivery:DuplicateWindowMaxIds"] = IdFilterSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    private Fakes.FakeRoom Room => _edge.Upstream.Room;

    [Fact]
    public async Task Resuming_join_replays_the_missed_messages_in_order_then_live_ones_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await JoinedAsync("alice", "r1", ct);
        var bob = await _edge.ConnectAsAsync("bob", ct);
        var first = await JoinAsync(bob, new { type = "join", roomId = "r1" }, ct);
        Assert.Equal(0UL, first.GetProperty("seq").GetUInt64());
        Assert.Equal(Epoch, first.GetProperty("epoch").GetString());
        Assert.False(first.TryGetProperty("recovered", out _));
        await alice.SendAsync(new { type = "message", roomId = "r1", content = 1 }, ct);
        Assert.Equal(1UL, (await bob.ReceiveAsync("message", ct)).GetProperty("seq").GetUInt64());
        await bob.DisposeAsync();

        for (var i = 2; i <= 4; i++)
        {
            await alice.SendAsync(new { type = "message", roomId = "r1", content = i }, ct);
        }

        await Eventually.UntilAsync(() => Room.LastSeq("r1") == 4, Wait, ct, "three more messages stored");
        await using var phone = await _edge.ConnectAsAsync("bob", ct);
        var joined = await JoinAsync(phone, new { type = "join", roomId = "r1", id = "j1", since = new { seq = 1, epoch = Epoch } }, ct);

        Assert.True(joined.GetProperty("recovered").GetBoolean());
        Assert.Equal(3, joined.GetProperty("missed").GetInt32());
        Assert.Equal(4UL, joined.GetProperty("seq").GetUInt64());
        Assert.Equal("j1", joined.GetProperty("ref").GetString());
        var replayed = await MessagesAsync(phone, 3, ct);
        Assert.Equal([2UL, 3UL, 4UL], replayed.Select(Seq));
        Assert.Equal([2, 3, 4], replayed.Select(m => m.GetProperty("content").GetInt32()));
        Assert.All(replayed, m => Assert.Equal("alice", m.GetProperty("from").GetString()));

        await alice.SendAsync(new { type = "message", roomId = "r1", content = 5 }, ct);
        Assert.Equal(5UL, Seq((await MessagesAsync(phone, 1, ct))[0]));
        Assert.DoesNotContain(await TypesUntilPongAsync(phone, ct), t => t is "message" or "joined");
    }

    [Fact]
    public async Task A_client_gone_while_its_resume_reads_the_history_is_closed_as_a_vanished_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await JoinedAsync("alice", "r-gone", ct);
        await alice.SendAsync(new { type = "message", roomId = "r-gone", content = 1 }, ct);
        await Eventually.UntilAsync(() => Room.LastSeq("r-gone") == 1, Wait, ct, "a message for the resume to read");
        var registry = _edge.Services.GetRequiredService<Suite.Edge.Connections.ConnectionRegistry>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Room.HistoryGate = gate;
        try
        {
            await using var bob = await _edge.ConnectAsAsync("bob", ct);
            var connection = registry.Find(bob.ConnectionId!)!;
            await bob.SendAsync(new { type = "join", roomId = "r-gone", since = new { seq = 0, epoch = Epoch } }, ct);
            await Eventually.UntilAsync(() => Room.HistoryRequests.Any(r => r.RoomId == "r-gone"), Wait, ct, "the edge reads the missed messages");

            bob.Socket.Abort();

            // The history read is cancelled with the connection (RpcException Cancelled): the client
            // left, closed as any vanished client is (1012 "aborted"), not an error out of its handler.
            await Eventually.UntilAsync(() => registry.Find(connection.Id) is null, Wait, ct, "the connection was not removed");
            Assert.Equal(Suite.Edge.Connections.CloseCodes.ServiceRestart, connection.Close?.Code);
            Assert.Equal("aborted", connection.Close?.Reason);
        }
        finally
        {
            Room.HistoryGate = null;
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task Live_messages_that_arrive_while_the_replay_is_read_follow_it_without_repeats()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await JoinedAsync("alice", "r2", ct);
        await using var carol = await JoinedAsync("carol", "r2", ct);
        var live = new Dictionary<ulong, string>();
        await alice.SendAsync(new { type = "message", roomId = "r2", content = 1 }, ct);
        await ReceiveLiveAsync(carol, live, ct);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Room.HistoryGate = gate;
        await using var bob = await _edge.ConnectAsAsync("bob", ct);
        await bob.SendAsync(new { type = "join", roomId = "r2", since = new { seq = 0, epoch = Epoch } }, ct);
        await Eventually.UntilAsync(() => Room.HistoryRequests.Any(r => r.RoomId == "r2"), Wait, ct, "the edge reads the missed messages");

        // Committed before the history read returns, and delivered live to the edge meanwhile: each
        // is both replayed and offered live to bob, which is already in the room's index.
        await alice.SendAsync(new { type = "message", roomId = "r2", content = 2 }, ct);
        await alice.SendAsync(new { type = "message", roomId = "r2", content = 3 }, ct);
        await ReceiveLiveAsync(carol, live, ct);
        await ReceiveLiveAsync(carol, live, ct);
        Room.HistoryGate = null;
        gate.SetResult();

        var joined = await JoinAsync(bob, null, ct);
        Assert.True(joined.GetProperty("recovered").GetBoolean());
        Assert.Equal(3, joined.GetProperty("missed").GetInt32());
        var replayed = await MessagesAsync(bob, 3, ct);
        Assert.Equal([1UL, 2UL, 3UL], replayed.Select(Seq));
        Assert.Equal(replayed.Select(m => live[Seq(m)]), replayed.Select(m => m.GetRawText()));

        await alice.SendAsync(new { type = "message", roomId = "r2", content = 4 }, ct);
        Assert.Equal(4UL, Seq((await MessagesAsync(bob, 1, ct))[0]));
        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
    }

    [Fact]
    public async Task A_live_copy_of_a_replayed_seq_is_dropped_for_the_resumed_connection_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await JoinedAsync("alice", "r3", ct);
        await using var carol = await JoinedAsync("carol", "r3", ct);
        await alice.SendAsync(new { type = "message", roomId = "r3", content = 1 }, ct);
        await carol.ReceiveAsync("message", ct);
        await using var bob = await JoinedAsync("bob", "other", ct);
        var joined = await JoinAsync(bob, new { type = "join", roomId = "r3", since = new { seq = 0, epoch = Epoch } }, ct);
        Assert.Equal(1, joined.GetProperty("missed").GetInt32());
        Assert.Equal([1UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));

        // The in-flight publish of a replayed message arriving late; then another room's seq 1, and
        // the next message of r3, in this order on the edge's topic.
        await PublishAsync("r3", 1, "late-copy", ct);
        await PublishAsync("other", 1, "other-room", ct);
        await PublishAsync("r3", 2, "next", ct);

        Assert.Equal("late-copy", (await carol.ReceiveAsync("message", ct)).GetProperty("id").GetString());
        var seen = new List<string>();
        while (seen.LastOrDefault() != "next")
        {
            seen.Add((await bob.ReceiveAsync("message", ct)).GetProperty("id").GetString()!);
        }

        Assert.Equal(["other-room", "next"], seen);
        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
    }

    [Fact]
    public async Task Resume_that_cannot_be_complete_answers_not_recovered_and_replays_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        Room.HistorySize = 4;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        foreach (var (room, count) in new[] { ("epoch", 3), ("ahead", 3), ("too-many", 7), ("too-old", 6) })
        {
            await JoinAsync(alice, new { type = "join", roomId = room }, ct);
            for (var i = 1; i <= count; i++)
            {
                await alice.SendAsync(new { type = "message", roomId = room, content = i }, ct);
            }

            await Eventually.UntilAsync(() => Room.LastSeq(room) == (ulong)count, Wait, ct, $"{count} messages in {room}");
        }

        await using var bob = await _edge.ConnectAsAsync("bob", ct);
        var cases = new (string Room, ulong Since, string Epoch, ulong Last)[]
        {
            ("epoch", 1, "another-epoch", 3),   // the room's history was lost and numbering restarted
            ("ahead", 7, Epoch, 3),             // a seq the room never reached
            ("too-many", 0, Epoch, 7),          // more missed than Resume:MaxReplay (5)
            ("too-old", 1, Epoch, 6),           // 5 missed, but the room keeps only 3..6
        };
        foreach (var (room, since, epoch, last) in cases)
        {
            var joined = await JoinAsync(bob, new { type = "join", roomId = room, since = new { seq = since, epoch } }, ct);

            Assert.False(joined.GetProperty("recovered").GetBoolean(), room);
            Assert.False(joined.TryGetProperty("missed", out _), room);
            Assert.Equal(last, joined.GetProperty("seq").GetUInt64());
            Assert.Equal(Epoch, joined.GetProperty("epoch").GetString());
        }

        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
        await alice.SendAsync(new { type = "message", roomId = "too-old", content = "live" }, ct);
        Assert.Equal(7UL, Seq(await bob.ReceiveAsync("message", ct)));
    }

    [Fact]
    public async Task History_returns_the_last_messages_as_their_live_frames_for_members_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await JoinedAsync("alice", "r5", ct);
        await using var carol = await JoinedAsync("carol", "r5", ct);
        var live = new Dictionary<ulong, string>();
        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync(new { type = "message", roomId = "r5", content = new { n = i } }, ct);
            await ReceiveLiveAsync(carol, live, ct);
        }

        var last2 = await HistoryAsync(carol, new { type = "history", roomId = "r5", limit = 2, id = "h1" }, ct);
        var before4 = await HistoryAsync(carol, new { type = "history", roomId = "r5", limit = 2, before = 4 }, ct);
        var capped = await HistoryAsync(carol, new { type = "history", roomId = "r5", limit = 50 }, ct);
        var noLimit = await HistoryAsync(carol, new { type = "history", roomId = "r5" }, ct);

        Assert.Equal([4UL, 5UL], Seqs(last2));
        Assert.Equal("h1", last2.GetProperty("ref").GetString());
        Assert.Equal(5UL, last2.GetProperty("seq").GetUInt64());
        Assert.Equal(Epoch, last2.GetProperty("epoch").GetString());
        Assert.Equal([2UL, 3UL], Seqs(before4));
        Assert.Equal([3UL, 4UL, 5UL], Seqs(capped));
        Assert.Equal([3UL, 4UL, 5UL], Seqs(noLimit));
        Assert.All(noLimit.GetProperty("messages").EnumerateArray(), m => Assert.Equal(live[Seq(m)], m.GetRawText()));
        Assert.Equal(5UL, before4.GetProperty("seq").GetUInt64());

        await using var dave = await _edge.ConnectAsAsync("dave", ct);
        await dave.SendAsync(new { type = "history", roomId = "r5", id = "h2" }, ct);
        var error = await dave.ReceiveAsync("error", ct);
        Assert.Equal("not_a_member", error.GetProperty("code").GetString());
        Assert.Equal("h2", error.GetProperty("ref").GetString());
    }

    [Fact]
    public async Task A_message_that_never_reached_the_edge_is_read_from_history_and_sent_before_the_next_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await JoinedAsync("alice", "g1", ct);
        await using var bob = await JoinedAsync("bob", "g1", ct);
        await using var carol = await JoinedAsync("carol", "g1", ct);
        await alice.SendAsync(new { type = "message", roomId = "g1", content = 1 }, ct);
        Assert.Equal([1UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
        Assert.Equal([1UL], (await MessagesAsync(carol, 1, ct)).Select(Seq));

        // Stored, then lost on the way (a broker that restarted without it): the edge sees 3 after 1.
        var lost = Room.Commit("g1", "alice", "\"lost\"");
        await alice.SendAsync(new { type = "message", roomId = "g1", content = 3 }, ct);

        foreach (var member in new[] { bob, carol })
        {
            var filled = await MessagesAsync(member, 2, ct);
            Assert.Equal([2UL, 3UL], filled.Select(Seq));
            Assert.Equal(lost.Id, filled[0].GetProperty("id").GetString());
            Assert.Equal("lost", filled[0].GetProperty("content").GetString());
        }

        Assert.Single(Room.HistoryRequests, r => r.RoomId == "g1" && r.AfterSeq == 1);
        Assert.DoesNotContain("message", await TypesUntilPongAsync(alice, ct));

        // The lost one was only late (a stale owner's publish, thawed): its live copy is a repeat.
        await PublishAsync("g1", 2, lost.Id, ct);
        await alice.SendAsync(new { type = "message", roomId = "g1", content = 4 }, ct);
        Assert.Equal([4UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
    }

    [Fact]
    public async Task A_fill_sends_only_its_hole_so_a_later_hole_past_it_is_not_sent_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var members = await AliceAndBobAfterTheFirstMessageAsync("g4", ct);
        var (alice, bob) = (members.Alice, members.Bob);

        // 2, 3 and 4 are stored; only 3 reaches the edge, so the hole is 2 alone, and 4 is a hole of
        // its own once 5 arrives. The first fill's history read returns 2, 3 and 4 (the room's newest).
        var lost2 = Room.Commit("g4", "alice", "2");
        var late3 = Room.Commit("g4", "alice", "3");
        var lost4 = Room.Commit("g4", "alice", "4");
        await PublishAsync("g4", 3, late3.Id, ct);
        Assert.Equal([2UL, 3UL], (await MessagesAsync(bob, 2, ct)).Select(Seq));
        await alice.SendAsync(new { type = "message", roomId = "g4", content = 5 }, ct);

        var rest = await MessagesAsync(bob, 2, ct);
        Assert.Equal([4UL, 5UL], rest.Select(Seq));
        Assert.Equal(lost4.Id, rest[0].GetProperty("id").GetString());
        Assert.NotEqual(lost2.Id, rest[0].GetProperty("id").GetString());
        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
    }

    [Fact]
    public async Task A_hole_history_no_longer_holds_stays_a_hole_and_live_messages_go_on()
    {
        var ct = TestContext.Current.CancellationToken;
        Room.HistorySize = 2;
        await using var members = await AliceAndBobAfterTheFirstMessageAsync("g2", ct);
        var (alice, bob) = (members.Alice, members.Bob);
        for (var i = 2; i <= 4; i++)
        {
            Room.Commit("g2", "alice", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        // History keeps 4 and 5 only: 2..4 cannot all be read, so nothing is replayed and 5 goes on.
        await alice.SendAsync(new { type = "message", roomId = "g2", content = 5 }, ct);
        Assert.Equal([5UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
        Assert.Contains(Room.HistoryRequests, r => r.RoomId == "g2" && r.AfterSeq == 1);
        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
    }

    [Fact]
    public async Task A_room_joined_again_after_its_members_left_the_edge_starts_from_its_position_without_a_fill()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var alice = await JoinedAsync("alice", "g3", ct))
        await using (var bob = await JoinedAsync("bob", "g3", ct))
        {
            await alice.SendAsync(new { type = "message", roomId = "g3", content = 1 }, ct);
            Assert.Equal([1UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
        }

        // Sent while no member of the room is on this edge: not this edge's to deliver to a later joiner.
        await Eventually.UntilAsync(() => !Room.Members("g3").Any(), Wait, ct, "alice and bob are gone from the room");
        Room.Commit("g3", "zed", "2");
        Room.Commit("g3", "zed", "3");
        await using var carol = await JoinedAsync("carol", "g3", ct);
        await using var dave = await JoinedAsync("dave", "g3", ct);
        await dave.SendAsync(new { type = "message", roomId = "g3", content = 4 }, ct);

        Assert.Equal([4UL], (await MessagesAsync(carol, 1, ct)).Select(Seq));
        Assert.DoesNotContain(Room.HistoryRequests, r => r.RoomId == "g3");
        Assert.DoesNotContain("message", await TypesUntilPongAsync(carol, ct));
    }

    [Fact]
    public async Task A_late_live_copy_of_a_filled_message_is_dropped_even_once_the_id_filter_forgot_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var members = await AliceAndBobAfterTheFirstMessageAsync("g5", ct);
        var (alice, bob) = (members.Alice, members.Bob);
        var late = Room.Commit("g5", "alice", "2");
        await alice.SendAsync(new { type = "message", roomId = "g5", content = 3 }, ct);
        Assert.Equal([2UL, 3UL], (await MessagesAsync(bob, 2, ct)).Select(Seq));

        // The live copy of 2 comes once the id filter no longer knows the filled id: what a copy
        // that passed the filter just before the fill recorded its ids looks like (the flake of the
        // broker-restart chaos test: a receiver got 1..8, 7, 9). The room's position still knows.
        await EvictFromIdFilterAsync(ct);
        await PublishAsync("g5", 2, late.Id, ct);
        await alice.SendAsync(new { type = "message", roomId = "g5", content = 4 }, ct);

        Assert.Equal([4UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
        Assert.DoesNotContain("message", await TypesUntilPongAsync(bob, ct));
    }

    [Fact]
    public async Task A_late_live_message_no_fill_sent_is_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var members = await AliceAndBobAfterTheFirstMessageAsync("g6", ct);
        var bob = members.Bob;

        // 2 and 3 reach the edge swapped, and history no longer holds 2 (so the fill sends nothing):
        // the late 2 is the only copy there is, and goes out.
        Room.HistorySize = 1;
        var second = Room.Commit("g6", "alice", "2");
        var third = Room.Commit("g6", "alice", "3");
        await PublishAsync("g6", 3, third.Id, ct);
        Assert.Equal([3UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
        await PublishAsync("g6", 2, second.Id, ct);

        Assert.Equal([2UL], (await MessagesAsync(bob, 1, ct)).Select(Seq));
    }

    // alice and bob in the room, and bob got alice's first message (seq 1): the room's position is known.
    private async Task<Members> AliceAndBobAfterTheFirstMessageAsync(string room, CancellationToken ct)
    {
        var members = new Members(await JoinedAsync("alice", room, ct), await JoinedAsync("bob", room, ct));
        await members.Alice.SendAsync(new { type = "message", roomId = room, content = 1 }, ct);
        Assert.Equal([1UL], (await MessagesAsync(members.Bob, 1, ct)).Select(Seq));
        return members;
    }

    private async Task<TestClient> JoinedAsync(string user, string room, CancellationToken ct)
    {
        var client = await _edge.ConnectAsAsync(user, ct);
        await JoinAsync(client, new { type = "join", roomId = room }, ct);
        return client;
    }

    // The next joined frame, skipping the room's user:joined/left (not held: they carry no seq).
    private static async Task<JsonElement> JoinAsync(TestClient client, object? frame, CancellationToken ct)
    {
        if (frame is not null)
        {
            await client.SendAsync(frame, ct);
        }

        var next = await client.ReceiveAsync(f => Type(f) is not ("user:joined" or "user:left"), ct);
        Assert.Equal("joined", Type(next));
        return next;
    }

    // The next room messages, failing on anything else but user:joined/left in between.
    private static async Task<List<JsonElement>> MessagesAsync(TestClient client, int count, CancellationToken ct)
    {
        var messages = new List<JsonElement>();
        while (messages.Count < count)
        {
            var next = await client.ReceiveAsync(f => Type(f) is not ("user:joined" or "user:left"), ct);
            Assert.Equal("message", Type(next));
            messages.Add(next);
        }

        return messages;
    }

    private static async Task<JsonElement> HistoryAsync(TestClient client, object frame, CancellationToken ct)
    {
        await client.SendAsync(frame, ct);
        return await client.ReceiveAsync("history", ct);
    }

    private static async Task ReceiveLiveAsync(TestClient client, Dictionary<ulong, string> live, CancellationToken ct)
    {
        var message = await client.ReceiveAsync("message", ct);
        live[Seq(message)] = message.GetRawText();
    }

    private Task PublishAsync(string room, ulong seq, string id, CancellationToken ct) =>
        _edge.PublishRawAsync(false, EdgeDeliveryCodec.ToPayload(new EdgeDelivery
        {
            EdgeId = _edge.EdgeId,
            RoomId = room,
            Message = new ServerMessage
            {
                Id = id,
                Type = "message",
                Seq = seq,
                Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                RoomId = room,
                From = "alice",
                ContentJson = ByteString.CopyFromUtf8("\"raw\""),
            },
        }), ct);

    // One batch of deliveries, each with a new id, to a room no one here is in: the id filter,
    // IdFilterSize ids at most, forgets every id it held before.
    private Task EvictFromIdFilterAsync(CancellationToken ct)
    {
        var batch = new EdgeDelivery { EdgeId = _edge.EdgeId };
        for (var i = 0; i <= IdFilterSize; i++)
        {
            batch.Batch.Add(new EdgeDelivery
            {
                EdgeId = _edge.EdgeId,
                RoomId = "nobody-here",
                Message = new ServerMessage { Id = $"evict-{i}", Type = "message", RoomId = "nobody-here", From = "zed", ContentJson = ByteString.CopyFromUtf8("0") },
            });
        }

        return _edge.PublishRawAsync(false, EdgeDeliveryCodec.ToPayload(batch), ct);
    }

    private static async Task<List<string>> TypesUntilPongAsync(TestClient client, CancellationToken ct)
    {
        await client.SendAsync(new { type = "ping" }, ct);
        var types = new List<string>();
        while (true)
        {
            var type = Type(await client.ReceiveAsync(ct));
            if (type == "pong")
            {
                return types;
            }

            types.Add(type);
        }
    }

    private static string Type(JsonElement frame) => frame.GetProperty("type").GetString()!;

    private static ulong Seq(JsonElement message) => message.GetProperty("seq").GetUInt64();

    private static IEnumerable<ulong> Seqs(JsonElement history) => history.GetProperty("messages").EnumerateArray().Select(Seq);

    private sealed record Members(TestClient Alice, TestClient Bob) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
        }
    }
}
