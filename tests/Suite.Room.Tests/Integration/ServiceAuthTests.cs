using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.Room.Tests.Integration;

/// <summary>With Internal:ServiceKey set, room serves only callers with a service token, and user calls only from an edge.</summary>
public sealed class ServiceAuthTests(RedisFixture redis) : IAsyncLifetime
{
    private const string Key = "a-key-the-suite-services-share-32+";

    private readonly List<GrpcChannel> _channels = [];
    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(
        redis, StateKind.InMemory, TestContext.Current.CancellationToken, new Dictionary<string, string> { ["Internal:ServiceKey"] = Key });

    public async ValueTask DisposeAsync()
    {
        _channels.ForEach(c => c.Dispose());
        await _room.DisposeAsync();
    }

    [Fact]
    public async Task A_call_without_a_valid_service_token_is_unauthenticated()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("r");

        var none = await Assert.ThrowsAsync<RpcException>(() => _room.JoinAsync(room, "mallory", "e", "m1", ct));
        var forged = await Assert.ThrowsAsync<RpcException>(() => Client("another-key-that-is-32-bytes-long!!", "edge").JoinAsync(Join(room), cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("no service token", none.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
    }

    [Fact]
    public async Task Only_an_edge_may_act_for_a_user_and_other_services_keep_their_own_calls()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = RoomHost.NewId("r");

        var asNotification = await Assert.ThrowsAsync<RpcException>(() => Client(Key, "notification").JoinAsync(Join(room), cancellationToken: ct).ResponseAsync);
        var joined = await Client(Key, "edge").JoinAsync(Join(room), cancellationToken: ct);
        var edges = await Client(Key, "notification").GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, cancellationToken: ct);

        Assert.Equal(StatusCode.PermissionDenied, asNotification.StatusCode);
        Assert.Contains("'notification' may not call /suite.room.v1.RoomService/Join", asNotification.Status.Detail, StringComparison.Ordinal);
        Assert.True(joined.UserJoined);
        Assert.Equal(["e"], edges.Edges.Select(e => e.EdgeId));
    }

    private static JoinRequest Join(string room) => new() { RoomId = room, UserId = "alice", EdgeId = "e", ConnectionId = "a1" };

    private RoomService.RoomServiceClient Client(string key, string service)
    {
        var tokens = new ServiceTokens(Options.Create(new ServiceAuthOptions { ServiceKey = key }), TimeProvider.System);
        var credentials = new ServiceCallCredentials(Options.Create(new ServiceAuthOptions { ServiceKey = key }), tokens, new CallingService(service));
        var channel = GrpcChannel.ForAddress(_room.GrpcAddress, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials.Value),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
        _channels.Add(channel);
        return new RoomService.RoomServiceClient(channel);
    }
}
