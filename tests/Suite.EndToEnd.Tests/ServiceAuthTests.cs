using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Suite.Contracts.Notification.V1;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.ServiceDefaults.ServiceAuth;

namespace Suite.EndToEnd.Tests;

/// <summary>The suite with service authentication on (Internal__ServiceKey), as the launcher runs it.</summary>
public sealed class ServiceAuthTests(AuthenticatedSuiteFixture suite) : IClassFixture<AuthenticatedSuiteFixture>
{
    [Fact]
    public async Task Clients_on_two_edges_talk_through_authenticated_services_that_refuse_calls_without_a_token()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = "auth-" + Guid.NewGuid().ToString("N")[..6];
        await using var alice = await suite.ConnectAsync(0, "alice-auth", ct);
        await using var bob = await suite.ConnectAsync(1, "bob-auth", ct);
        foreach (var client in new[] { alice, bob })
        {
            await client.SendAsync(new { type = "join", roomId = room }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await alice.SendAsync(new { type = "message", roomId = room, content = new { text = "signed" } }, ct);
        var message = await bob.ReceiveAsync("message", ct);

        Assert.Equal("signed", message.GetProperty("content").GetProperty("text").GetString());
        using var roomChannel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        using var presenceChannel = GrpcChannel.ForAddress(suite.Suite.Presence.GrpcAddress);
        using var notificationChannel = GrpcChannel.ForAddress(suite.Suite.Notification.GrpcAddress);
        var refused = new[]
        {
            await Assert.ThrowsAsync<RpcException>(() => new RoomService.RoomServiceClient(roomChannel)
                .JoinAsync(new JoinRequest { RoomId = room, UserId = "mallory", EdgeId = "edge-0", ConnectionId = "m1" }, cancellationToken: ct).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => new PresenceService.PresenceServiceClient(presenceChannel)
                .DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-0" }, cancellationToken: ct).ResponseAsync),
            await Assert.ThrowsAsync<RpcException>(() => new NotificationService.NotificationServiceClient(notificationChannel)
                .GetInboxAsync(new GetInboxRequest { UserId = "alice-auth" }, cancellationToken: ct).ResponseAsync),
        };
        Assert.All(refused, e => Assert.Equal(StatusCode.Unauthenticated, e.StatusCode));

        // The refused DeregisterEdge left edge-0 in place: alice still gets bob's reply.
        await bob.SendAsync(new { type = "message", roomId = room, content = new { text = "still here" } }, ct);
        Assert.Equal("still here", (await alice.ReceiveAsync("message", ct)).GetProperty("content").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_join_is_judged_on_the_claims_of_the_token_the_edge_validated_which_no_other_caller_can_supply()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = AuthenticatedSuiteFixture.GoldRooms + Guid.NewGuid().ToString("N")[..6];
        await using var gold = await suite.ConnectWithTokenAsync(0, suite.UserToken("gold-auth", "gold"), ct);
        await using var silver = await suite.ConnectWithTokenAsync(1, suite.UserToken("silver-auth", "silver"), ct);

        await gold.SendAsync(new { type = "join", roomId = room }, ct);
        await gold.ReceiveAsync("joined", ct);
        await silver.SendAsync(new { type = "join", roomId = room }, ct);
        var refused = await silver.ReceiveAsync("error", ct);

        Assert.Equal("forbidden", refused.GetProperty("code").GetString());

        // A service that holds the suite's key but is not an edge cannot join anyone, whatever claims
        // it writes; without a token nobody can (the test above).
        using var channel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        var asNotification = new Metadata { { ServiceAuthInterceptor.Header, "Bearer " + suite.ServiceToken("notification") } };
        var forged = await Assert.ThrowsAsync<RpcException>(() => new RoomService.RoomServiceClient(channel).JoinAsync(
            new JoinRequest { RoomId = room, UserId = "silver-auth", EdgeId = "edge-1", ConnectionId = "forged", TokenClaims = Struct.Parser.ParseJson("""{"sub":"silver-auth","tier":"gold"}""") },
            asNotification,
            cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, forged.StatusCode);

        // The room's members are still only gold: its edges are edge-0 alone.
        var edges = await new RoomService.RoomServiceClient(channel).GetRoomEdgesAsync(new GetRoomEdgesRequest { RoomId = room }, asNotification, cancellationToken: ct);
        Assert.Equal(["edge-0"], edges.Edges.Select(e => e.EdgeId));
    }
}

public sealed class AuthenticatedSuiteFixture : SuiteFixture
{
    /// <summary>Rooms whose names start so are open only to tokens with <c>tier</c> <c>gold</c> (Rooms:Rules).</summary>
    public const string GoldRooms = "gold-";

    // The edges' HS256 key, so a test can make tokens with claims /dev/token does not give.
    private const string SigningKey = "end-to-end-tests-signing-key-0123456789";

    public override string? ServiceKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    protected override string ComponentsFolder => "components/redis";

    protected override int Edges => 2;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth__SigningKey"] = SigningKey,
        ["Rooms__Rules__0__Prefix"] = GoldRooms,
        ["Rooms__Rules__0__RequiredClaim"] = "tier",
        ["Rooms__Rules__0__RequiredValue"] = "gold",
    };

    /// <summary>A user token as an identity provider would sign it, with a <c>tier</c> claim.</summary>
    public string UserToken(string userId, string tier) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["sub"] = userId, ["tier"] = tier },
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>A service token of <paramref name="service"/>, signed with the suite's key.</summary>
    public string ServiceToken(string service) =>
        new ServiceTokens(Options.Create(new ServiceAuthOptions { ServiceKey = ServiceKey! }), TimeProvider.System).For(service);
}
