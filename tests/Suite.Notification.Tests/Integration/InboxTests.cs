using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.Contracts.Notification.V1;
using Suite.ServiceDefaults;

namespace Suite.Notification.Tests.Integration;

/// <summary>
/// The inbox over the real state store (redis-server through the emulator sidecar): acknowledged
/// events stored once per id, read oldest first, removed by an ack that publishes a dismissal.
/// </summary>
[Collection(NotificationCollection.Name)]
public sealed class InboxTests(NotificationHost host)
{
    [Fact]
    public async Task An_acknowledged_event_to_an_offline_user_waits_in_the_inbox_and_a_repeat_is_not_stored_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        var id = host.Unique("ack");

        var response = await host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct);
        await host.Grpc.PublishAsync(Event(id, alice), cancellationToken: ct);

        Assert.Equal(0, response.EdgesTargeted);
        var inbox = await host.Grpc.GetInboxAsync(new GetInboxRequest { UserId = alice }, cancellationToken: ct);
        var item = Assert.Single(inbox.Items);
        Assert.Equal(id, item.Id);
        Assert.Equal("order_update", item.Type);
        Assert.Equal("""{"orderId":42}""", item.ContentJson.ToStringUtf8());
        Assert.Equal(Timestamp.FromDateTimeOffset(NotificationHost.Now), item.Timestamp);
        Assert.Equal(Timestamp.FromDateTimeOffset(NotificationHost.Now + TimeSpan.FromDays(7)), item.ExpiresAt);
    }

    [Fact]
    public async Task A_redelivered_topic_event_is_stored_once_and_its_live_frame_carries_ack_true()
    {
        var ct = TestContext.Current.CancellationToken;
        var bob = host.Unique("bob");
        host.Presence.Place(bob, host.EdgeIds[0]);
        var marker = host.Unique("topic-ack");
        var json = $$$$"""{"users":{"ids":["{{{{bob}}}}"]},"ack":true,"ttl":"60s","payload":{"type":"order_update","content":{"m":"{{{{marker}}}}"}}}""";
        var cloudEventId = host.Unique("ce");

        await host.PublishAsync(json, cloudEventId, ct);
        await host.PublishAsync(json, cloudEventId, ct);

        var delivery = await Testing.Eventually.UntilAsync(
            () => Task.FromResult(host.Recorder.All.Where(r => r.Data.GetRawText().Contains(bob, StringComparison.Ordinal)).ToList()),
            d => d.Count > 0,
            TimeSpan.FromSeconds(15),
            ct,
            "the live delivery");
        var frame = Recorder.Frame(delivery[0].Data);
        Assert.Contains("\"ack\":true", frame, StringComparison.Ordinal);
        var inbox = await host.Grpc.GetInboxAsync(new GetInboxRequest { UserId = bob }, cancellationToken: ct);
        var item = Assert.Single(inbox.Items);
        Assert.Equal(Timestamp.FromDateTimeOffset(NotificationHost.Now + TimeSpan.FromSeconds(60)), item.ExpiresAt);
        Assert.Equal(JsonDocument.Parse(frame).RootElement.GetProperty("id").GetString(), item.Id);
    }

    [Fact]
    public async Task The_inbox_is_read_oldest_first_and_an_ack_removes_items_and_dismisses_them_on_the_other_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        var carol = host.Unique("carol");
        var (first, second, third) = (host.Unique("n1"), host.Unique("n2"), host.Unique("n3"));
        foreach (var id in new[] { first, second, third })
        {
            await host.Grpc.PublishAsync(Event(id, carol), cancellationToken: ct);
        }

        Assert.Equal([first, second, third], (await host.Grpc.GetInboxAsync(new GetInboxRequest { UserId = carol }, cancellationToken: ct)).Items.Select(i => i.Id));

        host.Presence.Place(carol, host.EdgeIds[1], host.EdgeIds[2]);
        var ack = await host.Grpc.AckAsync(new AckRequest { UserId = carol, Ids = { first, third, "never-seen" }, ExceptConnectionId = "conn-1" }, cancellationToken: ct);

        Assert.Equal(2, ack.Removed);
        Assert.Equal(2, ack.EdgesTargeted);
        Assert.Equal([second], (await host.Grpc.GetInboxAsync(new GetInboxRequest { UserId = carol }, cancellationToken: ct)).Items.Select(i => i.Id));
        var dismissals = await Testing.Eventually.UntilAsync(
            () => Task.FromResult(host.Recorder.All.Where(r => r.Data.TryGetProperty("message", out var m) && m.GetProperty("type").GetString() == "dismissed"
                && r.Data.GetProperty("users").GetProperty("ids")[0].GetString() == carol).ToList()),
            d => d.Count >= 2,
            TimeSpan.FromSeconds(15),
            ct,
            "the dismissals");
        Assert.Equal([DaprNames.EdgeTopic(host.EdgeIds[1]), DaprNames.EdgeTopic(host.EdgeIds[2])], dismissals.Select(d => d.Topic).Order());
        var delivery = dismissals[0].Data;
        Assert.Equal(["conn-1"], delivery.GetProperty("exceptConnectionIds").EnumerateArray().Select(e => e.GetString()));
        var frame = JsonDocument.Parse(Recorder.Frame(delivery)).RootElement;
        Assert.Equal([first, third, "never-seen"], frame.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(NotificationHost.Now.ToUnixTimeMilliseconds(), frame.GetProperty("timestamp").GetInt64());

        // Idempotent: acking again removes nothing and is not an error; an acked id is not stored again.
        Assert.Equal(0, (await host.Grpc.AckAsync(new AckRequest { UserId = carol, Ids = { first } }, cancellationToken: ct)).Removed);
        await host.Grpc.PublishAsync(Event(first, carol), cancellationToken: ct);
        Assert.Equal([second], (await host.Grpc.GetInboxAsync(new GetInboxRequest { UserId = carol }, cancellationToken: ct)).Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Acknowledged_events_are_refused_for_a_room_and_bad_acks_are_invalid_arguments()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = new NotificationEvent { Room = "r1", Ack = true, Payload = Event("x", "u").Payload };

        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.PublishAsync(room, cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("invalid_ack:", refused.Status.Detail, StringComparison.Ordinal);

        var noIds = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.AckAsync(new AckRequest { UserId = "u" }, cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noIds.StatusCode);
        var noUser = await Assert.ThrowsAsync<RpcException>(() => host.Grpc.GetInboxAsync(new GetInboxRequest(), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noUser.StatusCode);
    }

    private static NotificationEvent Event(string id, string user) => new()
    {
        Id = id,
        Users = new UserIds { Ids = { user } },
        Ack = true,
        Payload = new Payload { Type = "order_update", Content = Value.ForStruct(new Struct { Fields = { ["orderId"] = Value.ForNumber(42) } }) },
    };
}
