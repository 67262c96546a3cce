using Dapr.Client;
using Grpc.Core;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.Notifications.Client.Tests;

/// <summary>Business events from the package through a real sidecar or gRPC to a real WebSocket client.</summary>
public sealed class PublishThroughSuiteTests(EmbeddedSuiteFixture fixture) : IClassFixture<EmbeddedSuiteFixture>
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string U(string name) => $"{name}-{_run}";

    [Fact]
    public async Task Event_published_through_the_business_sidecar_reaches_the_user_with_ack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await fixture.ConnectAsync(U("alice"), ct);
        var publisher = new NotificationPublisher(fixture.Dapr);

        await publisher.PublishAsync(
            new BusinessEvent
            {
                Id = U("order-42"),
                Type = "order_update",
                Content = new { OrderId = 42, Status = "shipped" },
                Target = NotificationTarget.ToUsers(U("alice")),
                Ack = true,
                Ttl = TimeSpan.FromMinutes(5),
            },
            ct);

        var frame = await alice.ReceiveAsync("order_update", ct);
        Assert.Equal(U("order-42"), frame.GetProperty("id").GetString());
        Assert.True(frame.GetProperty("ack").GetBoolean());
        Assert.Equal("shipped", frame.GetProperty("content").GetProperty("status").GetString());
        Assert.Equal(42, frame.GetProperty("content").GetProperty("orderId").GetInt32());
    }

    [Fact]
    public async Task Event_published_over_grpc_with_a_service_token_reaches_the_room()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bob = await fixture.ConnectAsync(U("bob"), ct);
        await bob.SendAsync(new { type = "join", roomId = U("lobby") }, ct);
        await bob.ReceiveAsync("joined", ct);
        var address = new Uri(fixture.Suite.GrpcAddresses["notification"]);
        using var publisher = NotificationGrpcPublisher.Create(address, ServiceTokenSource.FromKey(fixture.Suite.ServiceKey, "orders"));

        var response = await publisher.PublishAsync(
            new BusinessEvent { Type = "promo", Content = "50% off", Target = NotificationTarget.ToRoom(U("lobby")), Priority = NotificationPriority.High },
            ct);

        var frame = await bob.ReceiveAsync("promo", ct);
        Assert.Equal(response.Id, frame.GetProperty("id").GetString());
        Assert.Equal("50% off", frame.GetProperty("content").GetString());
        Assert.Equal(1, response.EdgesTargeted);
        Assert.False(response.Duplicate);
    }

    [Fact]
    public async Task Grpc_publish_without_the_service_token_is_refused_by_the_service()
    {
        var ct = TestContext.Current.CancellationToken;
        using var publisher = NotificationGrpcPublisher.Create(new Uri(fixture.Suite.GrpcAddresses["notification"]));

        var refused = await Assert.ThrowsAsync<RpcException>(() => publisher.PublishAsync(
            new BusinessEvent { Type = "promo", Content = 1, Target = NotificationTarget.ToEveryone }, ct));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public async Task Event_the_intake_refuses_reaches_the_dead_letter_subscriber_with_its_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        // What a team without the package sends: the generated type, serialised by System.Text.Json.
        var generated = new Suite.Contracts.Notification.V1.NotificationEvent
        {
            Id = U("generated"),
            Room = "lobby",
            Payload = new() { Type = "promo", Content = Google.Protobuf.WellKnownTypes.Value.ForString("50% off") },
        };

        await fixture.Dapr.PublishEventAsync(NotificationTopics.PubSub, NotificationTopics.Notifications, generated, ct);

        var dead = await Eventually.UntilAsync(
            () => Task.FromResult(fixture.DeadLetters.Where(d => d.Data.Contains(U("generated"), StringComparison.Ordinal)).ToList()),
            found => found.Count > 0,
            TimeSpan.FromSeconds(10),
            ct,
            "the refused event is dead-lettered");
        // Which rule it breaks first (oneof members as empty strings, "targetCase") is System.Text.Json's ordering.
        Assert.Contains(dead[0].Code, new[] { "two_targets", "unknown_field" });
        Assert.StartsWith(dead[0].Code + ": ", dead[0].Reason, StringComparison.Ordinal);
        Assert.Equal("orders", dead[0].EventSource);
        Assert.False(string.IsNullOrEmpty(dead[0].EventId));
        Assert.Equal(U("generated"), dead[0].DataJson!.Value.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Invalid_event_is_refused_before_anything_is_sent()
    {
        var ct = TestContext.Current.CancellationToken;
        // Nothing listens on either port: any attempt to publish would fail with a connection error.
        var nowhere = $"http://127.0.0.1:{FreePort.Next()}";
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(nowhere).UseHttpEndpoint(nowhere).Build();
        using var grpc = NotificationGrpcPublisher.Create(new Uri(nowhere));
        var invalid = new BusinessEvent { Type = "promo", Content = 1, Target = NotificationTarget.ToRoom("lobby"), Ack = true };

        var overDapr = await Assert.ThrowsAsync<NotificationValidationException>(() => new NotificationPublisher(dapr).PublishAsync(invalid, ct));
        var overGrpc = await Assert.ThrowsAsync<NotificationValidationException>(() => grpc.PublishAsync(invalid, ct));

        Assert.Equal("invalid_ack", overDapr.Code);
        Assert.Equal("invalid_ack", overGrpc.Code);
    }
}
