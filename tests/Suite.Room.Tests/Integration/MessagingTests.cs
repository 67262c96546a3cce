using Grpc.Core;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using static Suite.Room.Tests.Integration.MembershipTests;

namespace Suite.Room.Tests.Integration;

/// <summary>Room messages: fan-out per edge, seqs, history for resume and idempotency keys.</summary>
public sealed class MessagingTests(RedisFixture redis) : IAsyncLifetime
{
    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(
        redis, StateKind.InMemory, TestContext.Current.CancellationToken, new Dictionary<string, string> { ["Rooms:HistorySize"] = "5" });

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task A_room_message_is_published_once_per_hosting_edge_excluding_the_sender_with_increasing_seqs()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edgeA, edgeB, idle) = (RoomHost.NewId("r"), RoomHost.NewId("ea"), RoomHost.NewId("eb"), RoomHost.NewId("idle"));
        await _room.JoinAsync(room, "alice", edgeA, "a1", ct);
        await _room.JoinAsync(room, "carol", edgeA, "c1", ct);
        await _room.JoinAsync(room, "bob", edgeB, "b1", ct);
        await _room.JoinAsync(room, "dave", edgeB, "d1", ct);
        await _room.JoinAsync(RoomHost.NewId("other"), "erin", idle, "e1", ct);

        var sent = new List<PublishToRoomResponse>();
        foreach (var text in new[] { "one", "two", "three" })
        {
            sent.Add(await _room.SendAsync(room, "alice", edgeA, "a1", $$"""{"text":"{{text}}"}""", ct));
        }

        Assert.Equal([1UL, 2UL, 3UL], sent.Select(s => s.Seq));
        Assert.All(sent, s => Assert.Equal(2, s.EdgesTargeted));
        foreach (var edge in new[] { edgeA, edgeB })
        {
            var deliveries = await _room.DeliveriesAsync(edge, "message");
            Assert.Equal([1UL, 2UL, 3UL], deliveries.Select(d => d.Message.Seq));
            Assert.All(deliveries, d =>
            {
                Assert.Equal(room, d.RoomId);
                Assert.Equal(["alice"], d.ExceptUserIds);
                Assert.Equal(edge, d.EdgeId);
            });
            var frame = Frame(deliveries[1].Message);
            Assert.Equal(["type", "roomId", "from", "content", "seq", "timestamp", "id"], frame.EnumerateObject().Select(p => p.Name));
            Assert.Equal("message", frame.GetProperty("type").GetString());
            Assert.Equal("alice", frame.GetProperty("from").GetString());
            Assert.Equal("two", frame.GetProperty("content").GetProperty("text").GetString());
            Assert.Equal(2, frame.GetProperty("seq").GetInt64());
            Assert.Equal(sent[1].MessageId, frame.GetProperty("id").GetString());
            Assert.Equal(sent[1].MessageId, deliveries[1].Message.Id);
        }

        Assert.Empty(await _room.DeliveriesAsync(idle, "message"));
    }

    [Fact]
    public async Task Deliveries_queued_for_an_edge_while_its_publish_is_in_flight_go_out_together_each_room_in_seq_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var (sender, receiver) = (RoomHost.NewId("ea"), RoomHost.NewId("eb"));
        var rooms = Enumerable.Range(0, 40).Select(_ => RoomHost.NewId("r")).ToList();
        await Task.WhenAll(rooms.Select(async room =>
        {
            await _room.JoinAsync(room, "alice", sender, "a1", ct);
            await _room.JoinAsync(room, "bob", receiver, "b1", ct);
        }));

        // Three messages per room, all sent at once: a room's commits take turns, the rooms' do not.
        await Task.WhenAll(rooms.SelectMany(room => Enumerable.Range(1, 3).Select(n => _room.SendAsync(room, "alice", sender, "a1", $"{n}", ct))));

        var deliveries = await _room.DeliveriesAsync(receiver);
        var messages = deliveries.Where(d => d.Message.Type == "message").ToList();
        Assert.Equal(rooms.Count * 3, messages.Count);
        foreach (var room in rooms)
        {
            Assert.Equal([1UL, 2UL, 3UL], messages.Where(d => d.RoomId == room).Select(d => d.Message.Seq));
        }

        // Fewer events than deliveries: some went out as batches.
        Assert.InRange(await _room.EventCountAsync(receiver), 1, deliveries.Count - 1);
    }

    [Fact]
    public async Task Only_a_member_connection_may_send()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await _room.JoinAsync(room, "alice", edge, "a1", ct);

        var otherConnection = await Assert.ThrowsAsync<RpcException>(() => _room.SendAsync(room, "alice", edge, "a2", "\"hi\"", ct));
        var stranger = await Assert.ThrowsAsync<RpcException>(() => _room.SendAsync(room, "mallory", edge, "m1", "\"hi\"", ct));
        var badJson = await Assert.ThrowsAsync<RpcException>(() => _room.SendAsync(room, "alice", edge, "a1", "{not json", ct));

        Assert.Equal(StatusCode.FailedPrecondition, otherConnection.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, stranger.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badJson.StatusCode);
        Assert.Contains("content_json", badJson.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(await _room.DeliveriesAsync(edge, "message"));
    }

    [Fact]
    public async Task History_returns_the_last_n_and_what_follows_a_seq_marking_what_was_lost()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await _room.JoinAsync(room, "alice", edge, "a1", ct);
        var sent = new List<PublishToRoomResponse>();
        for (var i = 1; i <= 8; i++)
        {
            sent.Add(await _room.SendAsync(room, "alice", edge, "a1", i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct));
        }

        var last3 = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 3 }, cancellationToken: ct);
        var after5 = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, AfterSeq = 5 }, cancellationToken: ct);
        var after1 = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, AfterSeq = 1 }, cancellationToken: ct);
        var after4Limited = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, AfterSeq = 4, Limit = 2 }, cancellationToken: ct);
        var lastAll = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 20 }, cancellationToken: ct);
        var upToDate = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, AfterSeq = 8 }, cancellationToken: ct);

        Assert.Equal([6UL, 7UL, 8UL], last3.Messages.Select(m => m.Seq));
        Assert.False(last3.Truncated);
        Assert.Equal(8UL, last3.LastSeq);
        Assert.Equal([6UL, 7UL, 8UL], after5.Messages.Select(m => m.Seq));
        Assert.False(after5.Truncated);
        Assert.False(after5.More);
        Assert.Equal([4UL, 5UL, 6UL, 7UL, 8UL], after1.Messages.Select(m => m.Seq));
        Assert.True(after1.Truncated);
        Assert.Equal([5UL, 6UL], after4Limited.Messages.Select(m => m.Seq));
        Assert.True(after4Limited.More);
        Assert.False(after4Limited.Truncated);
        Assert.Equal([4UL, 5UL, 6UL, 7UL, 8UL], lastAll.Messages.Select(m => m.Seq));
        Assert.True(lastAll.Truncated);
        Assert.Empty(upToDate.Messages);
        Assert.False(upToDate.More);

        var stored = last3.Messages[^1];
        var delivered = (await _room.DeliveriesAsync(edge, "message")).Single(d => d.Message.Seq == 8);
        Assert.Equal(ServerMessageJson.ToJson(delivered.Message), stored.Json);
        Assert.Equal($$"""{"type":"message","roomId":"{{room}}","from":"alice","content":8,"seq":8,"timestamp":{{delivered.Message.Timestamp.ToDateTimeOffset().ToUnixTimeMilliseconds()}},"id":"{{stored.Id}}"}""", stored.Json);
        Assert.Equal(sent[^1].MessageId, stored.Id);
        Assert.Equal("alice", stored.UserId);
        Assert.Equal("8", stored.ContentJson);
    }

    [Fact]
    public async Task History_before_a_seq_pages_back_and_bounds_an_after_range()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await _room.JoinAsync(room, "alice", edge, "a1", ct);
        for (var i = 1; i <= 8; i++)
        {
            await _room.SendAsync(room, "alice", edge, "a1", i.ToString(System.Globalization.CultureInfo.InvariantCulture), ct);
        }

        Task<GetHistoryResponse> History(GetHistoryRequest request)
        {
            request.RoomId = room;
            return _room.Client.GetHistoryAsync(request, cancellationToken: ct).ResponseAsync;
        }

        // HistorySize is 5 here: seqs 4..8 are kept.
        var last2Before7 = await History(new GetHistoryRequest { Last = 2, BeforeSeq = 7 });
        var limit2Before7 = await History(new GetHistoryRequest { BeforeSeq = 7, Limit = 2 });
        var last3Before5 = await History(new GetHistoryRequest { Last = 3, BeforeSeq = 5 });
        var before1 = await History(new GetHistoryRequest { Last = 3, BeforeSeq = 1 });
        var beforeFuture = await History(new GetHistoryRequest { Last = 2, BeforeSeq = 100 });
        var between = await History(new GetHistoryRequest { AfterSeq = 4, BeforeSeq = 7 });
        var betweenLimited = await History(new GetHistoryRequest { AfterSeq = 4, BeforeSeq = 8, Limit = 2 });
        var betweenNothing = await History(new GetHistoryRequest { AfterSeq = 6, BeforeSeq = 7 });

        Assert.Equal([5UL, 6UL], last2Before7.Messages.Select(m => m.Seq));
        Assert.False(last2Before7.Truncated);
        Assert.Equal(8UL, last2Before7.LastSeq);
        Assert.Equal([5UL, 6UL], limit2Before7.Messages.Select(m => m.Seq));
        Assert.Equal([4UL], last3Before5.Messages.Select(m => m.Seq));
        Assert.True(last3Before5.Truncated);
        Assert.Empty(before1.Messages);
        Assert.Equal([7UL, 8UL], beforeFuture.Messages.Select(m => m.Seq));
        Assert.Equal([5UL, 6UL], between.Messages.Select(m => m.Seq));
        Assert.False(between.More);
        Assert.Equal([5UL, 6UL], betweenLimited.Messages.Select(m => m.Seq));
        Assert.True(betweenLimited.More);
        Assert.Empty(betweenNothing.Messages);
        Assert.False(betweenNothing.More);
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_first_result_and_publishes_nothing_new()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edgeA, edgeB) = (RoomHost.NewId("r"), RoomHost.NewId("ea"), RoomHost.NewId("eb"));
        await _room.JoinAsync(room, "alice", edgeA, "a1", ct);
        await _room.JoinAsync(room, "bob", edgeB, "b1", ct);

        var first = await _room.SendAsync(room, "alice", edgeA, "a1", "\"hi\"", ct, idempotencyKey: "a1:1");
        var retry = await _room.SendAsync(room, "alice", edgeA, "a1", "\"hi\"", ct, idempotencyKey: "a1:1");
        var next = await _room.SendAsync(room, "alice", edgeA, "a1", "\"again\"", ct, idempotencyKey: "a1:2");

        Assert.Equal(first.MessageId, retry.MessageId);
        Assert.Equal(first.Seq, retry.Seq);
        Assert.Equal(first.Timestamp, retry.Timestamp);
        Assert.Equal(2UL, next.Seq);
        Assert.Equal([1UL, 2UL], (await _room.DeliveriesAsync(edgeB, "message")).Select(d => d.Message.Seq));
        var history = await _room.Client.GetHistoryAsync(new GetHistoryRequest { RoomId = room, AfterSeq = 0 }, cancellationToken: ct);
        Assert.Equal(2, history.Messages.Count);
    }
}
