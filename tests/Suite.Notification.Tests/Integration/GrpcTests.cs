using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.Contracts.Notification.V1;
using Suite.ServiceDefaults;

namespace Suite.Notification.Tests.Integration;

[Collection(NotificationCollection.Name)]
public sealed class GrpcTests(NotificationHost host)
{
    [Fact]
    public async Task Publish_resolves_users_and_answers_the_id_and_edge_count()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob) = (host.Unique("alice"), host.Unique("bob"));
        host.Presence.Place(alice, host.EdgeIds[0]);
        host.Presence.Place(bob, host.EdgeIds[1]);
        var id = host.Unique("grpc");

        var response = await host.Grpc.PublishAsync(Event(id, alice, bob), cancellationToken: ct);

        Assert.Equal(id, response.Id);
        Assert.Equal(2, response.EdgesTargeted);
        Assert.False(response.Duplicate);
        var deliveries = await host.Recorder.WaitForDeliveriesAsync(id, 2, ct);
        Assert.Equal([DaprNames.EdgeTopic(host.EdgeIds[0]), DaprNames.EdgeTopic(host.EdgeIds[1])], deliveries.Select(d => d.Topic).Order());
        Assert.Equal(
            $$"""{"type":"order_update","content":{"orderId":42,"status":"shipped"},"timestamp":{{NotificationHost.Now.ToUnixTimeMilliseconds()}},"id":"{{id}}"}""",
            Recorder.Frame(deliveries[0].Delivery));
    }

    [Fact]
    public async Task Users_are_looked_up_in_batches_presence_accepts()
    {
        var ct = TestContext.Current.CancellationToken;
        var prefix = host.Unique("many");
        var users = Enumerable.Range(0, 2_500).Select(i => $"{prefix}-{i}").ToArray();
        host.Presence.Place(users[0], host.EdgeIds[0]);
        host.Presence.Place(users[^1], host.EdgeIds[1]);
        var before = host.Presence.BatchSizes.Count;

        var response = await host.Grpc.PublishAsync(Event(host.Unique("grpc"), users), cancellationToken: ct);

        Assert.Equal(2, response.EdgesTargeted);
        Assert.Equal([500, 1000, 1000], host.Presence.BatchSizes.Skip(before).Order());
        var deliveries = await host.Recorder.WaitForDeliveriesAsync(response.Id, 2, ct);
        Assert.Contains(deliveries, d => d.Delivery.GetProperty("users").GetProperty("ids")[0].GetString() == users[^1]);
    }

    [Fact]
    public async Task Publish_without_an_id_generates_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, host.EdgeIds[2]);

        var response = await host.Grpc.PublishAsync(Event("", alice), cancellationToken: ct);

        Assert.False(string.IsNullOrEmpty(response.Id));
        Assert.Single(await host.Recorder.WaitForDeliveriesAsync(response.Id, 1, ct));
    }

    [Fact]
    public async Task Two_concurrent_publishes_of_one_id_publish_it_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, host.EdgeIds[0]);
        var id = host.Unique("grpc");
        var release = host.Presence.Hold(alice);

        // The first publish is held in its presence lookup, after its idempotency check; the second
        // either stops short of presence (the id is taken) or, as before the fix, reaches it too.
        var first = host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct).ResponseAsync;
        await Testing.Eventually.UntilAsync(() => host.Presence.LookedUp.Count(u => u == alice) == 1, TimeSpan.FromSeconds(15), ct, "the first publish in presence");
        var second = host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct).ResponseAsync;
        await Testing.Eventually.UntilAsync(() => second.IsCompleted || host.Presence.LookedUp.Count(u => u == alice) == 2, TimeSpan.FromSeconds(15), ct, "the second publish answered or in presence");
        release();

        Assert.False((await first.WaitAsync(TimeSpan.FromSeconds(15), ct)).Duplicate);
        var error = await Assert.ThrowsAsync<RpcException>(() => second.WaitAsync(TimeSpan.FromSeconds(15), ct));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var marker = await host.Grpc.PublishAsync(Event(host.Unique("grpc"), alice), cancellationToken: ct);
        await host.Recorder.WaitForDeliveriesAsync(marker.Id, 1, ct);
        Assert.Single(host.Recorder.Deliveries(id));
        var retried = await host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct);
        Assert.True(retried.Duplicate);
    }

    [Fact]
    public async Task A_repeat_within_the_window_is_a_duplicate_and_publishes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, host.EdgeIds[0]);
        var id = host.Unique("grpc");

        var first = await host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct);
        var second = await host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct);
        var marker = await host.Grpc.PublishAsync(Event(host.Unique("grpc"), alice), cancellationToken: ct);
        await host.Recorder.WaitForDeliveriesAsync(marker.Id, 1, ct);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(first.EdgesTargeted, second.EdgesTargeted);
        Assert.Single(host.Recorder.Deliveries(id));
    }

    [Theory]
    [InlineData("payload.type", "")]
    [InlineData("payload.type", "auth:ok")]
    [InlineData("users.ids", null)]
    public async Task Invalid_event_is_InvalidArgument_naming_the_field(string field, string? type)
    {
        var ct = TestContext.Current.CancellationToken;
        var evt = type is null
            ? new NotificationEvent { Users = new UserIds(), Payload = new Payload { Type = "t", Content = Value.ForNumber(1) } }
            : Event(host.Unique("grpc"), "alice");
        if (type is not null)
        {
            evt.Payload.Type = type;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(evt, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_whose_user_ids_outgrow_the_broker_limit_is_InvalidArgument_and_publishes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = host.Unique("grpc-many");
        // 5,000 ids of 250 characters: 1.2 MB beside a tiny content, over NATS's 1 MB max_payload.
        var evt = Event(id, [.. Enumerable.Range(0, 5_000).Select(i => $"{i:D6}-" + new string('u', 243))]);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(evt, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("event_too_large: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(host.Recorder.Deliveries(id));
    }

    [Fact]
    public async Task Content_over_the_size_cap_is_InvalidArgument_and_publishes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = host.Unique("grpc-big");
        var evt = Event(id, "alice");
        evt.Payload.Content = Value.ForString(new string('x', 513 * 1024));

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(evt, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("content_too_large: payload.content:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(host.Recorder.Deliveries(id));
    }

    [Fact]
    public async Task Room_id_with_the_state_key_separator_is_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var evt = new NotificationEvent { Id = host.Unique("grpc"), Room = "a||b", Payload = new Payload { Type = "t", Content = Value.ForNumber(1) } };

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(evt, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("invalid_target: room:", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_target_is_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var evt = new NotificationEvent { Payload = new Payload { Type = "t", Content = Value.ForNumber(1) } };

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(evt, cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("target", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_down_presence_is_Unavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        host.Presence.FailNext(1);

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(Event(host.Unique("grpc"), "alice"), cancellationToken: ct).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    private static NotificationEvent Event(string id, params string[] users) => new()
    {
        Id = id,
        Users = new UserIds { Ids = { users } },
        Payload = new Payload
        {
            Type = "order_update",
            Content = Value.ForStruct(new Struct { Fields = { ["orderId"] = Value.ForNumber(42), ["status"] = Value.ForString("shipped") } }),
        },
    };
}
