using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Room.Tests.Integration;

/// <summary>Edges that presence reports gone leave the indexes, so nothing more is published to their topics.</summary>
public sealed class EdgeReapingTests(RedisFixture redis) : IAsyncLifetime
{
    /// <summary>
    /// How long a presence.edges event may take to be handled. Every test's room sidecar reads the
    /// topic's stream from its beginning (Dapr's Redis consumer groups start at 0), so in a full run
    /// it first works through the events every earlier test of the module published (a CI run once
    /// took over 10 s before this test's first event was handled).
    /// </summary>
    private static readonly TimeSpan EventHandled = TimeSpan.FromSeconds(30);

    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(redis, StateKind.Redis, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task First_joins_of_many_rooms_on_one_edge_share_writes_of_its_reverse_record()
    {
        var ct = TestContext.Current.CancellationToken;
        var edge = RoomHost.NewId("e");
        var rooms = Enumerable.Range(0, 20).Select(_ => RoomHost.NewId("r")).ToList();

        await Task.WhenAll(rooms.Select((room, i) => _room.JoinAsync(room, $"u{i}", edge, $"c{i}", ct)));

        var record = await _room.ReadStateAsync($"edge:{edge}");
        Assert.Equal(rooms.Order(StringComparer.Ordinal), record!.Value.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal));
        // Redis state versions count writes: twenty rooms tracked in fewer than twenty.
        Assert.InRange(await _room.StateVersionAsync($"edge:{edge}"), 1, 19);
    }

    [Fact]
    public async Task An_expired_edge_lease_stops_room_and_channel_deliveries_to_that_edge()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, channel, live, dead) = (RoomHost.NewId("r"), RoomHost.NewId("ch"), RoomHost.NewId("live"), RoomHost.NewId("dead"));
        await PublishEdgeChangedAsync(dead, "inc-1", EdgeChange.Registered, ct);
        await _room.JoinAsync(room, "alice", live, "a1", ct);
        await _room.JoinAsync(room, "bob", dead, "b1", ct);
        await _room.Client.SubscribeAsync(new SubscribeRequest { Channel = channel, UserId = "bob", EdgeId = dead, ConnectionId = "b1" }, cancellationToken: ct);
        await _room.Client.SubscribeAsync(new SubscribeRequest { Channel = channel, UserId = "alice", EdgeId = live, ConnectionId = "a1" }, cancellationToken: ct);
        var before = await _room.SendAsync(room, "alice", live, "a1", "1", ct);
        Assert.Equal(2, before.EdgesTargeted);

        // A DOWN for an older incarnation is ignored.
        await PublishEdgeChangedAsync(dead, "inc-0", EdgeChange.LeaseExpired, ct);
        await PublishEdgeChangedAsync(dead, "inc-1", EdgeChange.LeaseExpired, ct);

        // The room and the channel are dropped one after the other: wait for both.
        await Eventually.UntilAsync(
            async () =>
            {
                var roomEdges = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);
                var channelEdges = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
                return roomEdges.Edges.Concat(channelEdges.Edges).Select(e => e.EdgeId).ToList();
            },
            edges => !edges.Contains(dead),
            EventHandled,
            ct,
            "the room and the channel dropped the dead edge");
        var channelEdges = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
        var after = await _room.SendAsync(room, "alice", live, "a1", "2", ct);
        var publication = await _room.Client.PublishToChannelAsync(new PublishToChannelRequest { Channel = channel, ContentJson = "3" }, cancellationToken: ct);

        Assert.Equal([live], channelEdges.Edges.Select(e => e.EdgeId));
        Assert.Equal(1, after.EdgesTargeted);
        Assert.Equal(1, publication.EdgesTargeted);
        Assert.Equal([1UL], (await _room.DeliveriesAsync(dead, "message")).Where(d => d.RoomId == room).Select(d => d.Message.Seq));
        Assert.DoesNotContain(await _room.DeliveriesAsync(dead), d => d.Channel == channel);
        Assert.Equal([1UL, 2UL], (await _room.DeliveriesAsync(live, "message")).Where(d => d.RoomId == room).Select(d => d.Message.Seq));
    }

    [Fact]
    public async Task A_late_down_event_of_an_old_incarnation_keeps_the_edge()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await PublishEdgeChangedAsync(edge, "inc-2", EdgeChange.Registered, ct);
        // Events are handled concurrently: the live incarnation must be known before the stale DOWN
        // arrives, or the DOWN cannot be told apart from a current one.
        await Eventually.UntilAsync(
            async () => (await _room.ReadStateAsync($"edge:{edge}"))?.GetProperty("incarnation").GetString(),
            incarnation => incarnation == "inc-2",
            EventHandled,
            ct,
            "the room recorded the live incarnation");
        await _room.JoinAsync(room, "bob", edge, "b1", ct);

        await PublishEdgeChangedAsync(edge, "inc-1", EdgeChange.LeaseExpired, ct);
        // A marker edge dropped after the stale event proves the stale one was handled first.
        var (markerRoom, marker) = (RoomHost.NewId("r"), RoomHost.NewId("marker"));
        await _room.JoinAsync(markerRoom, "x", marker, "x1", ct);
        await PublishEdgeChangedAsync(marker, "", EdgeChange.Deregistered, ct);
        await Eventually.UntilAsync(
            async () => (await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = markerRoom }, cancellationToken: ct)).Edges.Count,
            count => count == 0,
            EventHandled,
            ct,
            "the marker edge was dropped");

        var edges = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);
        Assert.Equal([edge], edges.Edges.Select(e => e.EdgeId));
    }

    [Fact]
    public async Task A_late_end_of_a_lapsed_lease_keeps_what_the_edge_joined_and_subscribed_again_under_its_next_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, channel, edge) = (RoomHost.NewId("r"), RoomHost.NewId("ch"), RoomHost.NewId("e"));
        await PublishEdgeChangedAsync(edge, "inc", EdgeChange.Registered, ct, generation: 1);
        await JoinAsync(room, "bob", edge, "b1", 1, ct);
        await JoinAsync(room, "carl", edge, "c1", 1, ct);
        await SubscribeAsync(channel, "bob", edge, "b1", 1, ct);

        // The edge lived through its lapse and replayed bob under generation 2 before room heard
        // that generation 1 ended; carl's connection closed meanwhile and was not replayed.
        var replayed = await JoinAsync(room, "bob", edge, "b1", 2, ct);
        await SubscribeAsync(channel, "bob", edge, "b1", 2, ct);
        await PublishEdgeChangedAsync(edge, "inc", EdgeChange.LeaseExpired, ct, generation: 1);

        var members = await Eventually.UntilAsync(
            async () => await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct),
            m => m.Members.All(x => x.UserId != "carl"),
            EventHandled,
            ct,
            "the end of generation 1 drops carl");
        await Eventually.UntilAsync(
            async () => await _room.ReadStateAsync($"edge:{edge}"),
            record => record?.GetProperty("channels").GetArrayLength() == 1 && record?.GetProperty("rooms").GetArrayLength() == 1,
            EventHandled,
            ct,
            "the edge's reverse record still lists the room and the channel");
        var channelEdges = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
        var roomEdges = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);

        Assert.False(replayed.UserJoined);
        Assert.Equal(["bob"], members.Members.Select(m => m.UserId));
        Assert.Equal([(edge, 1)], roomEdges.Edges.Select(e => (e.EdgeId, e.Connections)));
        Assert.Equal([(edge, 1)], channelEdges.Edges.Select(e => (e.EdgeId, e.Connections)));
        Assert.Single(await _room.DeliveriesAsync(edge, "user:joined", atLeast: 1, ct), d => d.Message.UserId == "bob");
    }

    [Fact]
    public async Task A_subscription_replayed_after_the_end_of_its_lease_counts_the_edge_in_the_channel_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, channel, edge) = (RoomHost.NewId("r"), RoomHost.NewId("ch"), RoomHost.NewId("e"));
        await JoinAsync(room, "bob", edge, "b1", 1, ct);
        await SubscribeAsync(channel, "bob", edge, "b1", 1, ct);
        await SubscribeAsync(channel, "ann", edge, "a1", 1, ct);

        await PublishEdgeChangedAsync(edge, "inc", EdgeChange.LeaseExpired, ct, generation: 1);
        await Eventually.UntilAsync(
            async () => (await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct)).Edges.Count
                + (await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct)).Edges.Count,
            count => count == 0,
            EventHandled,
            ct,
            "the end of generation 1 drops the edge");

        await JoinAsync(room, "bob", edge, "b1", 2, ct);
        await SubscribeAsync(channel, "bob", edge, "b1", 2, ct);
        await SubscribeAsync(channel, "ann", edge, "a1", 2, ct);
        var counted = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
        await _room.Client.UnsubscribeAsync(new UnsubscribeRequest { Channel = channel, UserId = "ann", EdgeId = edge, ConnectionId = "a1" }, cancellationToken: ct);
        var afterUnsubscribe = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
        var publication = await _room.Client.PublishToChannelAsync(new PublishToChannelRequest { Channel = channel, ContentJson = "1" }, cancellationToken: ct);
        var members = await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct);

        Assert.Equal([(edge, 2)], counted.Edges.Select(e => (e.EdgeId, e.Connections)));
        Assert.Equal([(edge, 1)], afterUnsubscribe.Edges.Select(e => (e.EdgeId, e.Connections)));
        Assert.Equal(1, publication.EdgesTargeted);
        Assert.Equal(["bob"], members.Members.Select(m => m.UserId));
    }

    private Task<JoinResponse> JoinAsync(string roomId, string userId, string edgeId, string connectionId, ulong generation, CancellationToken ct) =>
        _room.Client.JoinAsync(new JoinRequest { RoomId = roomId, UserId = userId, EdgeId = edgeId, ConnectionId = connectionId, EdgeIncarnation = "inc", LeaseGeneration = generation }, deadline: RoomHost.Deadline(), cancellationToken: ct).ResponseAsync;

    private Task<SubscribeResponse> SubscribeAsync(string channel, string userId, string edgeId, string connectionId, ulong generation, CancellationToken ct) =>
        _room.Client.SubscribeAsync(new SubscribeRequest { Channel = channel, UserId = userId, EdgeId = edgeId, ConnectionId = connectionId, EdgeIncarnation = "inc", LeaseGeneration = generation }, deadline: RoomHost.Deadline(), cancellationToken: ct).ResponseAsync;

    [Fact]
    public async Task A_forged_presence_edges_event_without_the_app_api_token_is_refused_and_drops_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await _room.JoinAsync(room, "alice", edge, "a1", ct);
        var lapse = JsonFormatter.Default.Format(new EdgeChanged { EdgeId = edge, Incarnation = "", Change = EdgeChange.LeaseExpired, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow) });
        using var http = new HttpClient { BaseAddress = _room.HttpAddress };

        using var withoutToken = await http.PostAsync("/dapr/presence-edges", new StringContent(lapse, System.Text.Encoding.UTF8, "application/json"), ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/dapr/presence-edges") { Content = new StringContent(lapse, System.Text.Encoding.UTF8, "application/json") };
        wrong.Headers.Add("dapr-api-token", "not-" + RoomHost.AppApiToken);
        using var withWrongToken = await http.SendAsync(wrong, ct);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withWrongToken.StatusCode);
        Assert.Equal(1, (await _room.SendAsync(room, "alice", edge, "a1", "1", ct)).EdgesTargeted);
    }

    private Task PublishEdgeChangedAsync(string edgeId, string incarnation, EdgeChange change, CancellationToken cancellationToken, ulong generation = 0)
    {
        var evt = new EdgeChanged { EdgeId = edgeId, Incarnation = incarnation, Change = change, LeaseGeneration = generation, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow) };
        return _room.Dapr.PublishEventAsync(DaprNames.PubSub, DaprNames.PresenceEdgesTopic, JsonSerializer.Deserialize<JsonElement>(JsonFormatter.Default.Format(evt)), cancellationToken);
    }
}
