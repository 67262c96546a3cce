using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.Contracts.Room.V1;

namespace Suite.Room.Tests.Integration;

/// <summary>Join and subscribe authorisation from the token's claims: prefix rules, and deny by default when set.</summary>
public sealed class AccessRulesTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly Struct Core = new() { Fields = { ["sub"] = Value.ForString("alice"), ["team"] = Value.ForString("core"), ["tier"] = Value.ForString("gold") } };
    private static readonly Struct Guest = new() { Fields = { ["sub"] = Value.ForString("bob"), ["team"] = Value.ForList(Value.ForString("guests")) } };

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
            ["Rooms:Rules:1:Prefix"] = "public-",
            ["Rooms:Rules:1:RequiredClaim"] = "sub",
            ["Rooms:DenyUnmatchedRooms"] = "true",
            ["Rooms:ChannelRules:0:Prefix"] = "team-core.",
            ["Rooms:ChannelRules:0:RequiredClaim"] = "team",
            ["Rooms:ChannelRules:0:RequiredValue"] = "core",
            ["Rooms:ChannelRules:1:Prefix"] = "news.",
            ["Rooms:ChannelRules:1:RequiredClaim"] = "sub",
            ["Rooms:DenyUnmatchedChannels"] = "true",
        });

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task A_channel_rule_admits_only_tokens_with_the_required_claim()
    {
        var ct = TestContext.Current.CancellationToken;
        var edge = RoomHost.NewId("e");

        var denied = await Assert.ThrowsAsync<RpcException>(() => SubscribeAsync("team-core.deploys", "bob", edge, "b1", Guest, ct));
        var deniedWithout = await Assert.ThrowsAsync<RpcException>(() => SubscribeAsync("team-core.deploys", "carol", edge, "c1", null, ct));
        await SubscribeAsync("team-core.deploys", "alice", edge, "a1", Core, ct);
        await SubscribeAsync("news.eu", "bob", edge, "b1", Guest, ct);

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("channel 'team-core.deploys' requires the token claim 'team' with value 'core'", denied.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, deniedWithout.StatusCode);
        var edges = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = "team-core.deploys" }, cancellationToken: ct);
        Assert.Equal([(edge, 1)], edges.Edges.Select(e => (e.EdgeId, e.Connections)));
    }

    [Fact]
    public async Task With_deny_by_default_a_channel_or_room_no_rule_names_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var edge = RoomHost.NewId("e");

        var channel = await Assert.ThrowsAsync<RpcException>(() => SubscribeAsync("random", "alice", edge, "a1", Core, ct));
        var room = await Assert.ThrowsAsync<RpcException>(() => _room.JoinAsync(RoomHost.NewId("lobby"), "alice", edge, "a1", ct, Core));
        var open = await _room.JoinAsync(RoomHost.NewId("public-"), "bob", edge, "b1", ct, Guest);

        Assert.Equal(StatusCode.PermissionDenied, channel.StatusCode);
        Assert.Contains("matched by no rule", channel.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, room.StatusCode);
        Assert.Contains("matched by no rule", room.Status.Detail, StringComparison.Ordinal);
        Assert.True(open.UserJoined);
    }

    private Task<SubscribeResponse> SubscribeAsync(string channel, string user, string edge, string connection, Struct? claims, CancellationToken ct) =>
        _room.Client.SubscribeAsync(new SubscribeRequest { Channel = channel, UserId = user, EdgeId = edge, ConnectionId = connection, TokenClaims = claims }, cancellationToken: ct).ResponseAsync;
}
