using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;

namespace Suite.Room.Tests.Integration;

/// <summary>Joins, leaves, releases, the room -> edges index, the join rule and member paging.</summary>
public sealed class MembershipTests(RedisFixture redis) : IAsyncLifetime
{
    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(
        redis,
        StateKind.InMemory,
        TestContext.Current.CancellationToken,
        new Dictionary<string, string>
        {
            ["Rooms:Rules:0:Prefix"] = "vip-",
            ["Rooms:Rules:0:RequiredClaim"] = "tier",
            ["Rooms:Rules:0:RequiredValue"] = "gold",
            ["Rooms:MemberShards"] = "8",
        });

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task A_users_first_join_is_announced_once_to_each_hosting_edge()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edgeA, edgeB) = (RoomHost.NewId("r"), RoomHost.NewId("ea"), RoomHost.NewId("eb"));
        await _room.JoinAsync(room, "alice", edgeA, "a1", ct);

        var bob = await _room.JoinAsync(room, "bob", edgeB, "b1", ct);
        var bobAgain = await _room.JoinAsync(room, "bob", edgeB, "b1", ct);
        var bobSecondDevice = await _room.JoinAsync(room, "bob", edgeA, "b2", ct);

        Assert.True(bob.UserJoined);
        Assert.Equal(2, bob.MemberCount);
        Assert.False(bobAgain.UserJoined);
        Assert.False(bobSecondDevice.UserJoined);
        Assert.Equal(2, bobSecondDevice.MemberCount);
        // Carol's join is announced after anything the joins before it announced, so once hers is
        // there, so is every earlier one (each edge's topic gets them in order).
        await _room.JoinAsync(room, "carol", edgeB, "c1", ct);
        var onA = (await _room.DeliveriesAsync(edgeA, "user:joined", atLeast: 3, ct)).Select(d => Frame(d.Message).GetProperty("userId").GetString()).ToList();
        var onB = (await _room.DeliveriesAsync(edgeB, "user:joined", atLeast: 2, ct)).Select(d => Frame(d.Message).GetProperty("userId").GetString()).ToList();
        Assert.Equal(["alice", "bob", "carol"], onA);
        Assert.Equal(["bob", "carol"], onB);

        var delivery = (await _room.DeliveriesAsync(edgeB, "user:joined")).First();
        Assert.Equal(room, delivery.RoomId);
        Assert.Equal(edgeB, delivery.EdgeId);
        var frame = Frame(delivery.Message);
        Assert.Equal(["type", "userId", "roomId", "timestamp", "id"], frame.EnumerateObject().Select(p => p.Name));
        Assert.Equal(delivery.Message.Id, frame.GetProperty("id").GetString());

        var edges = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);
        Assert.Equal([(edgeA, 2), (edgeB, 2)], edges.Edges.Select(e => (e.EdgeId, e.Connections)).OrderBy(e => e.EdgeId == edgeB));
    }

    [Fact]
    public async Task The_users_last_connection_leaving_announces_user_left_and_drops_the_counts()
    {
        var ct = TestContext.Current.CancellationToken;
        var (room, edgeA, edgeB) = (RoomHost.NewId("r"), RoomHost.NewId("ea"), RoomHost.NewId("eb"));
        await _room.JoinAsync(room, "alice", edgeA, "a1", ct);
        await _room.JoinAsync(room, "bob", edgeB, "b1", ct);
        await _room.JoinAsync(room, "bob", edgeB, "b2", ct);

        var first = await _room.Client.LeaveAsync(new LeaveRequest { RoomId = room, UserId = "bob", EdgeId = edgeB, ConnectionId = "b1" }, cancellationToken: ct);
        var repeated = await _room.Client.LeaveAsync(new LeaveRequest { RoomId = room, UserId = "bob", EdgeId = edgeB, ConnectionId = "b1" }, cancellationToken: ct);
        Assert.False(first.UserLeft);
        Assert.False(repeated.UserLeft);

        await _room.Client.ReleaseConnectionAsync(new ReleaseConnectionRequest { UserId = "bob", EdgeId = edgeB, ConnectionId = "b2", RoomIds = { room } }, cancellationToken: ct);

        // Had the first leaves announced anything, it would be queued before this one and show up with it.
        var left = Assert.Single(await _room.DeliveriesAsync(edgeA, "user:left", atLeast: 1, ct));
        Assert.Equal("bob", Frame(left.Message).GetProperty("userId").GetString());
        Assert.Single(await _room.DeliveriesAsync(edgeB, "user:left", atLeast: 1, ct));
        var edges = await _room.Client.GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);
        Assert.Equal([(edgeA, 1)], edges.Edges.Select(e => (e.EdgeId, e.Connections)));
        var members = await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room }, cancellationToken: ct);
        Assert.Equal(1, members.MemberCount);
        Assert.Equal(["alice"], members.Members.Select(m => m.UserId));
    }

    [Fact]
    public async Task A_room_rule_admits_only_tokens_with_the_required_claim()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("vip-r");
        var edge = RoomHost.NewId("e");
        var silver = new Struct { Fields = { ["sub"] = Value.ForString("bob"), ["tier"] = Value.ForString("silver") } };
        var gold = new Struct { Fields = { ["sub"] = Value.ForString("alice"), ["tier"] = Value.ForString("gold") } };

        var denied = await Assert.ThrowsAsync<RpcException>(() => _room.JoinAsync(room, "bob", edge, "b1", ct, silver));
        var deniedWithout = await Assert.ThrowsAsync<RpcException>(() => _room.JoinAsync(room, "carol", edge, "c1", ct));
        var admitted = await _room.JoinAsync(room, "alice", edge, "a1", ct, gold);
        var other = await _room.JoinAsync(RoomHost.NewId("open"), "bob", edge, "b1", ct, silver);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("tier", denied.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, deniedWithout.StatusCode);
        Assert.True(admitted.UserJoined);
        Assert.Equal(1, admitted.MemberCount);
        Assert.True(other.UserJoined);
    }

    [Fact]
    public async Task Members_are_listed_in_pages_that_cover_every_member_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("r");
        var edge = RoomHost.NewId("e");
        var users = Enumerable.Range(0, 37).Select(i => $"user-{i:D2}").ToList();
        foreach (var user in users)
        {
            await _room.JoinAsync(room, user, edge, "c-" + user, ct);
        }

        await _room.JoinAsync(room, "user-00", edge, "c-user-00-phone", ct);

        var seen = new List<RoomMember>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = room, PageSize = 10, PageToken = token }, cancellationToken: ct);
            Assert.True(page.Members.Count <= 10);
            Assert.Equal(37, page.MemberCount);
            seen.AddRange(page.Members);
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 20);

        Assert.Equal(users, seen.Select(m => m.UserId).Order(StringComparer.Ordinal));
        Assert.Equal(2, seen.Single(m => m.UserId == "user-00").Connections);
        Assert.All(seen, m => Assert.NotNull(m.JoinedAt));
        Assert.InRange(pages, 4, 5);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_naming_the_field()
    {
        var ct = TestContext.Current.CancellationToken;

        var noRoom = await Assert.ThrowsAsync<RpcException>(() => _room.JoinAsync("", "alice", "e", "c", ct));
        var badToken = await Assert.ThrowsAsync<RpcException>(() => _room.Client.ListMembersAsync(new ListMembersRequest { RoomId = "r", PageToken = "nonsense!" }, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, noRoom.StatusCode);
        Assert.Contains("room_id", noRoom.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, badToken.StatusCode);
        Assert.Contains("page_token", badToken.Status.Detail, StringComparison.Ordinal);
    }

    // Room publishes the structured message and no frame; this is the frame the edge renders from it.
    internal static JsonElement Frame(ServerMessage message)
    {
        Assert.Empty(message.Json);
        return JsonDocument.Parse(ServerMessageJson.ToUtf8(message)).RootElement;
    }
}
