using System.Text.Json;
using Grpc.Net.Client;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// The acceptance scenarios of cross-edge fan-out, run over each broker by a subclass. Users are
/// named per test so tests sharing one running suite never see each other's traffic.
/// </summary>
public abstract partial class CrossEdgeTests(SuiteFixture suite)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private string U(string name) => $"{name}-{_run}";

    [Fact]
    public async Task Room_message_reaches_every_other_member_on_both_edges_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("room");
        await using var carol = await suite.ConnectAsync(1, U("carol"), ct);
        await using var alice = await suite.ConnectAsync(0, U("alice"), ct);
        await using var bob = await suite.ConnectAsync(0, U("bob"), ct);
        foreach (var client in new[] { carol, alice, bob })
        {
            await client.SendAsync(new { type = "join", roomId = room }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        // carol, on the other edge, hears of alice's join.
        var joined = await carol.ReceiveAsync(f => Is(f, "user:joined") && f.GetProperty("userId").GetString() == U("alice"), ct);
        Assert.Equal(room, joined.GetProperty("roomId").GetString());

        await alice.SendAsync(new { type = "message", roomId = room, content = new { text = "hello" } }, ct);
        await alice.SendAsync(new { type = "message", roomId = room, content = new { text = "again" } }, ct);

        foreach (var member in new[] { bob, carol })
        {
            var first = await member.ReceiveAsync("message", ct);
            var second = await member.ReceiveAsync("message", ct);
            Assert.Equal(U("alice"), first.GetProperty("from").GetString());
            Assert.Equal("hello", first.GetProperty("content").GetProperty("text").GetString());
            Assert.True(second.GetProperty("seq").GetInt64() > first.GetProperty("seq").GetInt64(), "seq increases");
        }

        // Exactly once, sender excluded: a marker sent after the messages arrives with nothing
        // else of this room before it.
        foreach (var member in new[] { alice, bob, carol })
        {
            await member.SendAsync(new { type = "direct", to = U("alice"), content = "marker" }, ct);
        }

        var aliceFrames = await FramesUntilAsync(alice, "direct", 3, ct);
        Assert.DoesNotContain(aliceFrames, f => Is(f, "message"));
        foreach (var member in new[] { bob, carol })
        {
            await member.SendAsync(new { type = "direct", to = member == bob ? U("bob") : U("carol"), content = "marker" }, ct);
            Assert.DoesNotContain(await FramesUntilAsync(member, "direct", 1, ct), f => Is(f, "message"));
        }
    }

    [Fact]
    public async Task Direct_message_reaches_both_devices_of_a_user_on_two_edges()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var phone = await suite.ConnectAsync(0, U("dana"), ct);
        await using var laptop = await suite.ConnectAsync(1, U("dana"), ct);
        await using var sender = await suite.ConnectAsync(1, U("eve"), ct);

        await sender.SendAsync(new { type = "direct", to = U("dana"), content = "psst" }, ct);

        foreach (var device in new[] { phone, laptop })
        {
            var direct = await device.ReceiveAsync("direct", ct);
            Assert.Equal(U("eve"), direct.GetProperty("from").GetString());
        }
    }

    [Fact]
    public async Task Room_history_returns_the_last_messages_in_seq_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("history");
        await using var alice = await suite.ConnectAsync(0, U("alice"), ct);
        await alice.SendAsync(new { type = "join", roomId = room }, ct);
        await alice.ReceiveAsync("joined", ct);
        for (var i = 0; i < 5; i++)
        {
            await alice.SendAsync(new { type = "message", roomId = room, content = i }, ct);
        }

        using var channel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        var rooms = new RoomService.RoomServiceClient(channel);
        var history = await Eventually.UntilAsync(
            async () => await rooms.GetHistoryAsync(new GetHistoryRequest { RoomId = room, Last = 3 }, cancellationToken: ct),
            h => h.Messages.Count == 3 && h.Messages[^1].Seq == 5,
            Wait,
            ct,
            "five messages stored");

        Assert.Equal([3UL, 4UL, 5UL], history.Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task Business_event_reaches_targeted_users_room_channel_and_everyone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var business = await RecorderApp.StartAsync("business-" + _run, suite.ResourcesPath, [], ct);
        await using var ios = await suite.ConnectAsync(0, U("ivy"), ct);
        await using var web = await suite.ConnectAsync(1, U("walt"), ct);
        await web.SendAsync(new { type = "subscribe", channel = U("prices") }, ct);
        await web.ReceiveAsync("subscribed", ct);
        await ios.SendAsync(new { type = "join", roomId = U("ops") }, ct);
        await ios.ReceiveAsync("joined", ct);

        await PublishAsync(business, $$$"""{"id":"{{{U("n1")}}}","users":{"ids":["{{{U("ivy")}}}","{{{U("walt")}}}"]},"priority":"HIGH","payload":{"type":"order_update","content":{"orderId":42} } }""", ct);
        await PublishAsync(business, $$$"""{"id":"{{{U("n2")}}}","room":"{{{U("ops")}}}","payload":{"type":"alert","content":"disk full"}}""", ct);
        await PublishAsync(business, $$$"""{"id":"{{{U("n3")}}}","channel":"{{{U("prices")}}}","payload":{"type":"price_update","content":{"px":1} } }""", ct);
        await PublishAsync(business, $$$"""{"id":"{{{U("n4")}}}","everyone":true,"payload":{"type":"maintenance","content":"at noon"}}""", ct);

        // Events travel on different topics (HIGH on the urgent one), so they may arrive in any order.
        var toIvy = await ByTypeAsync(ios, ["order_update", "alert", "maintenance"], ct);
        var toWalt = await ByTypeAsync(web, ["order_update", "price_update", "maintenance"], ct);
        Assert.Equal(42, toIvy["order_update"].GetProperty("content").GetProperty("orderId").GetInt32());
        Assert.Equal(42, toWalt["order_update"].GetProperty("content").GetProperty("orderId").GetInt32());
        Assert.Equal("disk full", toIvy["alert"].GetProperty("content").GetString());
        Assert.Equal(1, toWalt["price_update"].GetProperty("content").GetProperty("px").GetInt32());
        Assert.Equal(U("prices"), toWalt["price_update"].GetProperty("channel").GetString());
        Assert.Equal("at noon", toIvy["maintenance"].GetProperty("content").GetString());
        Assert.Equal("at noon", toWalt["maintenance"].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Business_event_filter_picks_connections_by_token_attributes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var business = await RecorderApp.StartAsync("business-" + _run, suite.ResourcesPath, [], ct);
        // Tokens from /dev/token carry no platform, so a platform filter reaches nobody while the
        // same event without a filter reaches the user: the filter is applied, not ignored.
        await using var user = await suite.ConnectAsync(0, U("fay"), ct);

        await PublishAsync(business, $$$"""{"id":"{{{U("f1")}}}","users":{"ids":["{{{U("fay")}}}"]},"filter":{"platforms":["ios"]},"payload":{"type":"promo","content":"filtered"}}""", ct);
        await PublishAsync(business, $$$"""{"id":"{{{U("f2")}}}","users":{"ids":["{{{U("fay")}}}"]},"payload":{"type":"promo","content":"unfiltered"}}""", ct);

        Assert.Equal("unfiltered", (await user.ReceiveAsync("promo", ct)).GetProperty("content").GetString());
    }

    [Fact]
    public async Task Invalid_business_event_lands_in_the_dead_letter_topic_with_its_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var audit = await RecorderApp.StartAsync("audit-" + _run, suite.ResourcesPath, ["notifications.deadletter"], ct);

        await PublishAsync(audit, $$$"""{"id":"{{{U("bad")}}}","room":"r","everyone":true,"payload":{"type":"x","content":1}}""", ct);

        var dead = await Eventually.UntilAsync(
            () => Task.FromResult(audit.On("notifications.deadletter").Where(d => d.GetRawText().Contains(U("bad"), StringComparison.Ordinal)).ToList()),
            found => found.Count > 0,
            Wait,
            ct,
            "the invalid event is dead-lettered");
        Assert.False(string.IsNullOrEmpty(dead[0].GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Killed_edge_users_go_offline_within_the_lease_and_its_topic_gets_no_more_deliveries()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("doomed");
        await using var watcher = await RecorderApp.StartAsync("watcher-" + _run, suite.ResourcesPath, ["edge.edge-2"], ct);
        await using var survivor = await suite.ConnectAsync(0, U("sam"), ct);
        var doomed = await suite.ConnectAsync(2, U("zed"), ct);
        foreach (var client in new[] { survivor, doomed })
        {
            await client.SendAsync(new { type = "join", roomId = room }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await survivor.SendAsync(new { type = "message", roomId = room, content = "before" }, ct);
        await Eventually.UntilAsync(() => watcher.On("edge.edge-2").Count > 0, Wait, ct, "edge-2 gets deliveries while alive");

        await suite.Suite.Edges[2].KillAsync();
        await doomed.DisposeAsync();

        using var channel = GrpcChannel.ForAddress(suite.Suite.Presence.GrpcAddress);
        var presence = new PresenceService.PresenceServiceClient(channel);
        await Eventually.UntilAsync(
            async () => await presence.GetUserPresenceAsync(new GetUserPresenceRequest { UserId = U("zed") }, cancellationToken: ct),
            p => !p.Online,
            TimeSpan.FromSeconds(10),
            ct,
            "presence turns zed offline within the lease");
        // Room learns of the expired lease from presence's event and drops the edge from the room.
        using var roomChannel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        var rooms = new RoomService.RoomServiceClient(roomChannel);
        await Eventually.UntilAsync(
            async () => await rooms.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct),
            edges => edges.Edges.All(e => e.EdgeId != "edge-2"),
            TimeSpan.FromSeconds(10),
            ct,
            "room drops the dead edge");
        var before = watcher.On("edge.edge-2").Count;
        await using var listener = await suite.ConnectAsync(1, U("lou"), ct);
        await listener.SendAsync(new { type = "join", roomId = room }, ct);
        await listener.ReceiveAsync("joined", ct);

        await survivor.SendAsync(new { type = "message", roomId = room, content = "after" }, ct);

        Assert.Equal("after", (await listener.ReceiveAsync("message", ct)).GetProperty("content").GetString());
        Assert.Equal(before, watcher.On("edge.edge-2").Count);
    }

    // Issue 11: an edge that stalls past its lease (overload, a long pause) is alive but presence ends
    // its lease and room drops its connections from every room and channel. When it registers again
    // it must join and subscribe them again, or its users can still send but receive nothing.
    [Fact]
    public async Task Member_of_an_edge_whose_lease_lapsed_receives_room_and_channel_traffic_again_once_the_edge_registers_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = U("lapse");
        var ticker = U("ticker");
        await using var sid = await suite.ConnectAsync(0, U("sid"), ct);
        await using var mia = await suite.ConnectAsync(1, U("mia"), ct);
        foreach (var client in new[] { sid, mia })
        {
            await client.SendAsync(new { type = "join", roomId = room }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await mia.SendAsync(new { type = "subscribe", channel = ticker }, ct);
        await mia.ReceiveAsync("subscribed", ct);
        await sid.ReceiveAsync(f => Is(f, "user:joined") && f.GetProperty("userId").GetString() == U("mia"), ct);

        using var roomChannel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        var rooms = new RoomService.RoomServiceClient(roomChannel);
        var edge = suite.Suite.Edges[1];
        await edge.PauseAppAsync();
        try
        {
            // Presence ends the lease and room drops the edge: what a lapse does to a live edge.
            await Eventually.UntilAsync(
                async () => await rooms.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct),
                members => members.Members.All(m => m.UserId != U("mia")),
                Wait,
                ct,
                "room drops the members of the edge whose lease ended");
        }
        finally
        {
            await edge.ResumeAppAsync();
        }

        await sid.ReceiveAsync(f => Is(f, "user:left") && f.GetProperty("userId").GetString() == U("mia"), ct);

        // The edge renews, learns its lease is gone, registers again and replays its connections.
        await Eventually.UntilAsync(
            async () => await rooms.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct),
            members => members.Members.Any(m => m.UserId == U("mia")),
            Wait,
            ct,
            "the edge joins its connections again after registering again");
        await Eventually.UntilAsync(
            async () => await rooms.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = ticker }, cancellationToken: ct),
            edges => edges.Edges.Any(e => e.EdgeId == "edge-1"),
            Wait,
            ct,
            "the edge subscribes its connections again after registering again");
        await sid.ReceiveAsync(f => Is(f, "user:joined") && f.GetProperty("userId").GetString() == U("mia"), ct);

        await sid.SendAsync(new { type = "message", roomId = room, content = "after the lapse" }, ct);
        var beforeMessage = await FramesUntilAsync(mia, "message", 1, ct);
        Assert.Equal("after the lapse", beforeMessage[^1].GetProperty("content").GetString());

        await rooms.PublishToChannelAsync(new PublishToChannelRequest { Channel = ticker, Type = "tick", ContentJson = "1", MessageId = U("tick") }, cancellationToken: ct);
        var beforeTick = await FramesUntilAsync(mia, "tick", 1, ct);

        // The replay is upstream only: the client asked nothing, so it is told nothing.
        Assert.DoesNotContain(beforeMessage.Concat(beforeTick), f => Is(f, "joined") || Is(f, "subscribed"));
    }

    private static bool Is(JsonElement frame, string type) => frame.GetProperty("type").GetString() == type;

    private static async Task<List<JsonElement>> FramesUntilAsync(TestClient client, string type, int count, CancellationToken ct)
    {
        var frames = new List<JsonElement>();
        var seen = 0;
        while (seen < count)
        {
            var frame = await client.ReceiveAsync(ct);
            frames.Add(frame);
            if (Is(frame, type))
            {
                seen++;
            }
        }

        return frames;
    }

    private static async Task<Dictionary<string, JsonElement>> ByTypeAsync(TestClient client, string[] types, CancellationToken ct)
    {
        var frames = new Dictionary<string, JsonElement>();
        while (frames.Count < types.Length)
        {
            var frame = await client.ReceiveAsync(f => types.Contains(f.GetProperty("type").GetString()), ct);
            frames[frame.GetProperty("type").GetString()!] = frame;
        }

        return frames;
    }

    private static async Task PublishAsync(RecorderApp business, string json, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(json);
        await business.Dapr.PublishEventAsync("pubsub", "notifications", document.RootElement, ct);
    }
}

// One collection: each broker's topology is ten processes, and two at once on a 2-core machine only slow both.
[Collection("end-to-end")]
public sealed class RedisCrossEdgeTests(RedisSuiteFixture suite) : CrossEdgeTests(suite), IClassFixture<RedisSuiteFixture>;

[Collection("end-to-end")]
public sealed class NatsCrossEdgeTests(NatsSuiteFixture suite) : CrossEdgeTests(suite), IClassFixture<NatsSuiteFixture>;
