using Grpc.Core;
using Grpc.Net.Client;
using Suite.Contracts.Notification.V1;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;

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
}

public sealed class AuthenticatedSuiteFixture : SuiteFixture
{
    public override string? ServiceKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    protected override string ComponentsFolder => "components/redis";

    protected override int Edges => 2;
}
