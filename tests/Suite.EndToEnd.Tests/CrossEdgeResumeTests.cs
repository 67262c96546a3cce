using System.Globalization;
using System.Text.Json;
using Grpc.Net.Client;
using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

// Resume and history across edges, on the same running suite as the other cross-edge scenarios.
public abstract partial class CrossEdgeTests
{
    [Fact]
    public async Task Client_back_on_the_other_edge_with_since_gets_what_it_missed_once_in_order_then_live()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("resume");
        await using var alice = await suite.ConnectAsync(0, U("alice"), ct);
        await JoinAsync(alice, new { type = "join", roomId = room }, ct);
        var bob = await suite.ConnectAsync(0, U("bob"), ct);
        var first = await JoinAsync(bob, new { type = "join", roomId = room }, ct);
        var epoch = first.GetProperty("epoch").GetString()!;
        Assert.Equal(0UL, first.GetProperty("seq").GetUInt64());
        await alice.SendAsync(new { type = "message", roomId = room, content = 1 }, ct);
        var seen = (await bob.ReceiveAsync("message", ct)).GetProperty("seq").GetUInt64();
        await bob.DisposeAsync();

        for (var i = 2; i <= 4; i++)
        {
            await alice.SendAsync(new { type = "message", roomId = room, content = i }, ct);
        }

        await WaitForLastSeqAsync(room, 4, ct);
        await using var phone = await suite.ConnectAsync(1, U("bob"), ct);
        var joined = await JoinAsync(phone, new { type = "join", roomId = room, since = new { seq = seen, epoch } }, ct);

        Assert.True(joined.GetProperty("recovered").GetBoolean());
        Assert.Equal(3, joined.GetProperty("missed").GetInt32());
        Assert.Equal(4UL, joined.GetProperty("seq").GetUInt64());
        Assert.Equal(epoch, joined.GetProperty("epoch").GetString());
        var replayed = await RoomMessagesAsync(phone, 3, ct);
        Assert.Equal([2UL, 3UL, 4UL], replayed.Select(m => m.GetProperty("seq").GetUInt64()));
        Assert.Equal([2, 3, 4], replayed.Select(m => m.GetProperty("content").GetInt32()));
        Assert.All(replayed, m => Assert.Equal(U("alice"), m.GetProperty("from").GetString()));

        await alice.SendAsync(new { type = "message", roomId = room, content = 5 }, ct);
        Assert.Equal(5UL, (await RoomMessagesAsync(phone, 1, ct))[0].GetProperty("seq").GetUInt64());
        await alice.SendAsync(new { type = "direct", to = U("bob"), content = "marker" }, ct);
        Assert.DoesNotContain(await FramesUntilAsync(phone, "direct", 1, ct), f => Is(f, "message"));
    }

    [Fact]
    public async Task Since_in_another_epoch_or_older_than_the_room_keeps_is_not_recovered()
    {
        var ct = TestContext.Current.CancellationToken;
        var (lost, old) = (U("lost"), U("old"));
        await using var alice = await suite.ConnectAsync(0, U("alice"), ct);
        var epoch = (await JoinAsync(alice, new { type = "join", roomId = lost }, ct)).GetProperty("epoch").GetString();
        await JoinAsync(alice, new { type = "join", roomId = old }, ct);
        await alice.SendAsync(new { type = "message", roomId = lost, content = 1 }, ct);

        // More than the room keeps (Rooms:HistorySize, 100), sent as alice's edge would, past the
        // client's rate limit.
        using var channel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        var rooms = new RoomService.RoomServiceClient(channel);
        for (var i = 1; i <= 102; i++)
        {
            await rooms.PublishToRoomAsync(
                new PublishToRoomRequest { RoomId = old, UserId = U("alice"), EdgeId = "edge-0", ConnectionId = alice.ConnectionId!, ContentJson = i.ToString(CultureInfo.InvariantCulture) },
                cancellationToken: ct);
        }

        await WaitForLastSeqAsync(lost, 1, ct);
        await using var bob = await suite.ConnectAsync(1, U("bob"), ct);
        var otherEpoch = await JoinAsync(bob, new { type = "join", roomId = lost, since = new { seq = 0, epoch = epoch + "x" } }, ct);
        var tooOld = await JoinAsync(bob, new { type = "join", roomId = old, since = new { seq = 1, epoch } }, ct);

        Assert.False(otherEpoch.GetProperty("recovered").GetBoolean());
        Assert.Equal(1UL, otherEpoch.GetProperty("seq").GetUInt64());
        Assert.Equal(epoch, otherEpoch.GetProperty("epoch").GetString());
        Assert.False(tooOld.GetProperty("recovered").GetBoolean());
        Assert.Equal(102UL, tooOld.GetProperty("seq").GetUInt64());
        await alice.SendAsync(new { type = "direct", to = U("bob"), content = "marker" }, ct);
        Assert.DoesNotContain(await FramesUntilAsync(bob, "direct", 1, ct), f => Is(f, "message"));
    }

    [Fact]
    public async Task History_returns_the_last_messages_as_delivered_and_pages_back_with_before()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("pages");
        await using var alice = await suite.ConnectAsync(0, U("alice"), ct);
        await using var carol = await suite.ConnectAsync(1, U("carol"), ct);
        await JoinAsync(alice, new { type = "join", roomId = room }, ct);
        await JoinAsync(carol, new { type = "join", roomId = room }, ct);
        var live = new Dictionary<ulong, string>();
        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync(new { type = "message", roomId = room, content = new { n = i } }, ct);
            var message = await carol.ReceiveAsync("message", ct);
            live[message.GetProperty("seq").GetUInt64()] = message.GetRawText();
        }

        await carol.SendAsync(new { type = "history", roomId = room, limit = 2, id = "h1" }, ct);
        var last2 = await carol.ReceiveAsync("history", ct);
        await carol.SendAsync(new { type = "history", roomId = room, limit = 2, before = 4 }, ct);
        var before4 = await carol.ReceiveAsync("history", ct);

        Assert.Equal([4UL, 5UL], Seqs(last2));
        Assert.Equal([2UL, 3UL], Seqs(before4));
        Assert.Equal("h1", last2.GetProperty("ref").GetString());
        Assert.Equal(5UL, before4.GetProperty("seq").GetUInt64());
        Assert.False(string.IsNullOrEmpty(before4.GetProperty("epoch").GetString()));
        Assert.All(last2.GetProperty("messages").EnumerateArray().Concat(before4.GetProperty("messages").EnumerateArray()),
            m => Assert.Equal(live[m.GetProperty("seq").GetUInt64()], m.GetRawText()));

        await using var dave = await suite.ConnectAsync(1, U("dave"), ct);
        await dave.SendAsync(new { type = "history", roomId = room }, ct);
        Assert.Equal("not_a_member", (await dave.ReceiveAsync("error", ct)).GetProperty("code").GetString());
    }

    private async Task WaitForLastSeqAsync(string room, ulong seq, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        var rooms = new RoomService.RoomServiceClient(channel);
        await Eventually.UntilAsync(
            async () => (await rooms.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 1 }, cancellationToken: ct)).LastSeq,
            last => last == seq,
            Wait,
            ct,
            $"message {seq} of {room} stored");
    }

    // The next joined frame; the room's user:joined/left (which carry no seq) may come before it.
    private static async Task<JsonElement> JoinAsync(TestClient client, object frame, CancellationToken ct)
    {
        await client.SendAsync(frame, ct);
        var next = await client.ReceiveAsync(f => !Is(f, "user:joined") && !Is(f, "user:left"), ct);
        Assert.Equal("joined", next.GetProperty("type").GetString());
        return next;
    }

    private static async Task<List<JsonElement>> RoomMessagesAsync(TestClient client, int count, CancellationToken ct)
    {
        var messages = new List<JsonElement>();
        while (messages.Count < count)
        {
            var next = await client.ReceiveAsync(f => !Is(f, "user:joined") && !Is(f, "user:left"), ct);
            Assert.Equal("message", next.GetProperty("type").GetString());
            messages.Add(next);
        }

        return messages;
    }

    private static IEnumerable<ulong> Seqs(JsonElement history) =>
        history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetUInt64());
}
