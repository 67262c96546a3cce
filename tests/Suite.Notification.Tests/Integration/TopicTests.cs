using System.Text.Json;
using Suite.ServiceDefaults;

namespace Suite.Notification.Tests.Integration;

/// <summary>Events a business app publishes to <c>notifications</c> through its own sidecar, as raw JSON.</summary>
[Collection(NotificationCollection.Name)]
public sealed class TopicTests(NotificationHost host)
{
    private string E1 => host.EdgeIds[0];

    private string E2 => host.EdgeIds[1];

    private string E3 => host.EdgeIds[2];

    [Fact]
    public async Task An_event_posted_to_the_callback_without_the_app_api_token_is_refused_and_not_published()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, E1);
        var forgedId = host.Unique("forged");
        var realId = host.Unique("real");
        string Event(string id) => $$$$"""{"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}"]},"payload":{"type":"notice","content":"x"}}""";
        using var http = new HttpClient { BaseAddress = host.CallbackAddress };

        using var withoutToken = await http.PostAsync("/dapr/notifications", new StringContent(Event(forgedId), System.Text.Encoding.UTF8, "application/json"), ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/dapr/notifications") { Content = new StringContent(Event(forgedId), System.Text.Encoding.UTF8, "application/json") };
        wrong.Headers.Add("dapr-api-token", "not-" + NotificationHost.AppApiToken);
        using var withWrongToken = await http.SendAsync(wrong, ct);
        await host.PublishAsync(Event(realId), ct);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, withWrongToken.StatusCode);
        // The real event, published after the forged ones, went through the sidecar (which sends the
        // token) and was delivered; by then the forged one would have been delivered too.
        Assert.Single(await host.Recorder.WaitForDeliveriesAsync(realId, 1, ct));
        Assert.Empty(host.Recorder.Deliveries(forgedId));
    }

    [Fact]
    public async Task Users_on_two_edges_get_one_delivery_per_edge_with_their_users()
    {
        var ct = TestContext.Current.CancellationToken;
        var (alice, bob, carol) = (host.Unique("alice"), host.Unique("bob"), host.Unique("carol"));
        host.Presence.Place(alice, E1);
        host.Presence.Place(bob, E1, E2);
        host.Presence.Place(carol, E2);
        var id = host.Unique("order-42-shipped");

        await host.PublishAsync($$$$"""
            {"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}","{{{{bob}}}}","{{{{carol}}}}","offline-user"]},
             "payload":{"type":"order_update","content":{"orderId":42,"status":"shipped"}}}
            """, ct);

        var deliveries = await host.Recorder.WaitForDeliveriesAsync(id, 2, ct);
        Assert.Equal(2, deliveries.Count);
        var byTopic = deliveries.ToDictionary(d => d.Topic, d => d.Delivery);
        Assert.Equal([alice, bob], Users(byTopic[DaprNames.EdgeTopic(E1)]));
        Assert.Equal([bob, carol], Users(byTopic[DaprNames.EdgeTopic(E2)]));
        var delivery = byTopic[DaprNames.EdgeTopic(E1)];
        Assert.Equal(E1, delivery.GetProperty("edgeId").GetString());
        var message = delivery.GetProperty("message");
        Assert.Equal("order_update", message.GetProperty("type").GetString());
        var timestamp = NotificationHost.Now.ToUnixTimeMilliseconds();
        Assert.Equal(
            $$$$"""{"type":"order_update","content":{"orderId":42,"status":"shipped"},"timestamp":{{{{timestamp}}}},"id":"{{{{id}}}}"}""",
            Recorder.Frame(delivery));
        Assert.False(delivery.TryGetProperty("filter", out _));
        Assert.False(delivery.TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task Room_target_is_one_room_delivery_per_hosting_edge()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = host.Unique("room");
        host.Room.HostRoom(room, E2, E3);
        var id = host.Unique("n");

        await host.PublishAsync($$$$"""{"id":"{{{{id}}}}","room":"{{{{room}}}}","payload":{"type":"room_notice","content":"maintenance at noon"}}""", ct);

        var deliveries = await host.Recorder.WaitForDeliveriesAsync(id, 2, ct);
        Assert.Equal([DaprNames.EdgeTopic(E2), DaprNames.EdgeTopic(E3)], deliveries.Select(d => d.Topic).Order());
        Assert.All(deliveries, d => Assert.Equal(room, d.Delivery.GetProperty("roomId").GetString()));
        Assert.Contains("\"content\":\"maintenance at noon\"", Recorder.Frame(deliveries[0].Delivery), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Channel_target_adds_the_channel_to_the_frame()
    {
        var ct = TestContext.Current.CancellationToken;
        var channel = host.Unique("prices.BTC");
        host.Room.HostChannel(channel, E1);
        var id = host.Unique("n");

        await host.PublishAsync($$$$"""{"id":"{{{{id}}}}","channel":"{{{{channel}}}}","droppable":"btc","payload":{"type":"price_update","content":{"price":97000.5}}}""", ct);

        var delivery = Assert.Single(await host.Recorder.WaitForDeliveriesAsync(id, 1, ct));
        Assert.Equal(DaprNames.EdgeTopic(E1), delivery.Topic);
        Assert.Equal(channel, delivery.Delivery.GetProperty("channel").GetString());
        Assert.Equal("btc", delivery.Delivery.GetProperty("droppableKey").GetString());
        Assert.Equal(
            $$$$"""{"type":"price_update","channel":"{{{{channel}}}}","content":{"price":97000.5},"timestamp":{{{{NotificationHost.Now.ToUnixTimeMilliseconds()}}}},"id":"{{{{id}}}}"}""",
            Recorder.Frame(delivery.Delivery));
    }

    [Fact]
    public async Task Everyone_goes_to_every_edge_with_a_live_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        host.Presence.LiveEdges = host.EdgeIds;
        var id = host.Unique("n");

        await host.PublishAsync($$$$"""{"id":"{{{{id}}}}","everyone":true,"payload":{"type":"announcement","content":{"text":"hello"}}}""", ct);

        var deliveries = await host.Recorder.WaitForDeliveriesAsync(id, 3, ct);
        Assert.Equal(host.EdgeIds.Select(DaprNames.EdgeTopic).Order(), deliveries.Select(d => d.Topic).Order());
        Assert.All(deliveries, d => Assert.True(d.Delivery.GetProperty("everyone").GetBoolean()));
    }

    [Fact]
    public async Task Filter_droppable_and_ttl_are_copied_and_high_priority_goes_to_the_urgent_topic()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, E3);
        var id = host.Unique("n");

        await host.PublishAsync($$$$"""
            {"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}"]},
             "filter":{"tags":["beta"],"regions":["eu"],"platforms":["ios","android"]},
             "priority":"HIGH","droppable":"progress-7","ttl":"60s",
             "payload":{"type":"export_progress","content":{"percent":40}}}
            """, ct);

        var (topic, delivery) = Assert.Single(await host.Recorder.WaitForDeliveriesAsync(id, 1, ct));
        Assert.Equal(DaprNames.EdgeUrgentTopic(E3), topic);
        Assert.Equal("PRIORITY_HIGH", delivery.GetProperty("priority").GetString());
        Assert.Equal("progress-7", delivery.GetProperty("droppableKey").GetString());
        var filter = delivery.GetProperty("filter");
        Assert.Equal(["beta"], Strings(filter.GetProperty("tags")));
        Assert.Equal(["eu"], Strings(filter.GetProperty("regions")));
        Assert.Equal(["ios", "android"], Strings(filter.GetProperty("platforms")));
        Assert.Equal(NotificationHost.Now.AddSeconds(60), delivery.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task An_event_without_an_id_gets_a_new_message_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = host.Unique("room");
        host.Room.HostRoom(room, E1);

        await host.PublishAsync($$$$"""{"room":"{{{{room}}}}","payload":{"type":"room_notice","content":null}}""", ct);

        var found = await Testing.Eventually.UntilAsync(
            () => Task.FromResult(host.Recorder.All.Where(r => r.Data.TryGetProperty("roomId", out var r2) && r2.GetString() == room).ToList()),
            d => d.Count > 0, TimeSpan.FromSeconds(15), ct);
        var message = found[0].Data.GetProperty("message");
        var id = message.GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.EndsWith($",\"id\":\"{id}\"}}", Recorder.Frame(found[0].Data), StringComparison.Ordinal);
        Assert.Contains("\"content\":null", Recorder.Frame(found[0].Data), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redelivered_event_without_an_id_reaches_clients_under_one_message_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = host.Unique("room");
        host.Room.HostRoom(room, E1);
        var cloudEventId = host.Unique("ce");
        var json = $$$$"""{"room":"{{{{room}}}}","payload":{"type":"room_notice","content":1}}""";

        await host.PublishAsync(json, cloudEventId, ct);
        var first = await RoomDeliveriesAsync(room, 1, ct);
        await host.PublishAsync(json, cloudEventId, ct);
        var marker = host.Unique("n");
        await host.PublishAsync($$$$"""{"id":"{{{{marker}}}}","room":"{{{{room}}}}","payload":{"type":"room_notice","content":2}}""", ct);
        await host.Recorder.WaitForDeliveriesAsync(marker, 1, ct);

        // Whether the repeat is dropped here or at the edge, clients must never see two ids.
        var ids = (await RoomDeliveriesAsync(room, 2, ct)).Select(MessageId).Where(id => id != marker).Distinct();
        Assert.Equal([MessageId(first[0])], ids);
    }

    [Fact]
    public async Task Events_without_an_id_in_different_broker_messages_get_different_ids()
    {
        var ct = TestContext.Current.CancellationToken;
        var room = host.Unique("room");
        host.Room.HostRoom(room, E1);
        var json = $$$$"""{"room":"{{{{room}}}}","payload":{"type":"room_notice","content":1}}""";

        await host.PublishAsync(json, host.Unique("ce"), ct);
        await host.PublishAsync(json, host.Unique("ce"), ct);

        var deliveries = await RoomDeliveriesAsync(room, 2, ct);
        Assert.Equal(2, deliveries.Select(MessageId).Distinct().Count());
    }

    [Theory]
    [InlineData("two_targets", """{"users":{"ids":["a"]},"room":"r1","payload":{"type":"t","content":1}}""")]
    [InlineData("unknown_field", """{"users":{"ids":["a"]},"filtr":{"platforms":["ios"]},"payload":{"type":"t","content":1}}""")]
    [InlineData("missing_type", """{"users":{"ids":["a"]},"payload":{"content":1}}""")]
    [InlineData("reserved_type", """{"users":{"ids":["a"]},"payload":{"type":"message","content":1}}""")]
    [InlineData("no_target", """{"payload":{"type":"t","content":1}}""")]
    [InlineData("invalid_target", """{"users":{"ids":[]},"payload":{"type":"t","content":1}}""")]
    [InlineData("invalid_target", """{"everyone":false,"payload":{"type":"t","content":1}}""")]
    [InlineData("missing_content", """{"room":"r1","payload":{"type":"t"}}""")]
    [InlineData("invalid_ttl", """{"room":"r1","ttl":"0s","payload":{"type":"t","content":1}}""")]
    [InlineData("malformed", """{"room":"r1","priority":"URGENT","payload":{"type":"t","content":1}}""")]
    [InlineData("invalid_ack", """{"room":"r1","ack":true,"payload":{"type":"t","content":1}}""")]
    [InlineData("invalid_ack", """{"everyone":true,"ack":true,"payload":{"type":"t","content":1}}""")]
    [InlineData("reserved_type", """{"users":{"ids":["a"]},"payload":{"type":"dismissed","content":1}}""")]
    [InlineData("invalid_target", """{"users":{"ids":["a","b||c"]},"payload":{"type":"t","content":1}}""")]
    [InlineData("invalid_target", """{"room":"r||1","payload":{"type":"t","content":1}}""")]
    [InlineData("invalid_target", """{"channel":"c||1","payload":{"type":"t","content":1}}""")]
    public async Task Invalid_event_is_dead_lettered_with_its_reason(string code, string json)
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = host.Unique("bad");
        var withMarker = json.Insert(1, $"\"id\":\"{marker}\",");

        await host.PublishAsync(withMarker, ct);

        var deadLetter = await host.Recorder.WaitForDeadLetterAsync(marker, ct);
        Assert.StartsWith(code + ":", deadLetter.GetProperty("reason").GetString(), StringComparison.Ordinal);
        using var data = JsonDocument.Parse(deadLetter.GetProperty("data").GetString()!);
        Assert.Equal(marker, data.RootElement.GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(deadLetter.GetProperty("eventId").GetString()));
        Assert.Equal("business", deadLetter.GetProperty("eventSource").GetString());
        Assert.True(deadLetter.TryGetProperty("receivedAt", out _));
        Assert.Empty(host.Recorder.Deliveries(marker));
    }

    [Fact]
    public async Task Content_over_the_size_cap_is_dead_lettered_with_its_reason()
    {
        // 513 KiB: under the broker's 1 MB limit, over the 512 KiB default cap.
        var ct = TestContext.Current.CancellationToken;
        var marker = host.Unique("big");

        var content = new string('x', 513 * 1024);

        await host.PublishAsync($$$"""{"id":"{{{marker}}}","room":"r1","payload":{"type":"t","content":"{{{content}}}"}}""", ct);

        var deadLetter = await host.Recorder.WaitForDeadLetterAsync(marker, ct);
        Assert.StartsWith("content_too_large: payload.content:", deadLetter.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Recorder.Deliveries(marker));
    }

    [Fact]
    public async Task A_repeated_event_id_is_published_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, E1);
        var id = host.Unique("n");
        var json = $$$$"""{"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}"]},"payload":{"type":"t","content":1}}""";

        await host.PublishAsync(json, ct);
        await host.Recorder.WaitForDeliveriesAsync(id, 1, ct);
        await host.PublishAsync(json, ct);
        var after = host.Unique("n");
        await host.PublishAsync($$$$"""{"id":"{{{{after}}}}","users":{"ids":["{{{{alice}}}}"]},"payload":{"type":"t","content":2}}""", ct);
        await host.Recorder.WaitForDeliveriesAsync(after, 1, ct);

        Assert.Single(host.Recorder.Deliveries(id));
    }

    [Fact]
    public async Task An_event_that_meets_a_down_presence_is_retried_by_Dapr_and_delivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var alice = host.Unique("alice");
        host.Presence.Place(alice, E2);
        var id = host.Unique("n");
        host.Presence.FailNext(2);

        await host.PublishAsync($$$$"""{"id":"{{{{id}}}}","users":{"ids":["{{{{alice}}}}"]},"payload":{"type":"t","content":1}}""", ct);

        var (topic, _) = Assert.Single(await host.Recorder.WaitForDeliveriesAsync(id, 1, ct));
        Assert.Equal(DaprNames.EdgeTopic(E2), topic);
        Assert.Equal(3, host.Presence.LookedUp.Count(u => u == alice));
    }

    private async Task<IReadOnlyList<JsonElement>> RoomDeliveriesAsync(string room, int count, CancellationToken cancellationToken) =>
        await Testing.Eventually.UntilAsync(
            () => Task.FromResult<IReadOnlyList<JsonElement>>(host.Recorder.All.Where(r => r.Data.TryGetProperty("roomId", out var r2) && r2.GetString() == room).Select(r => r.Data).ToList()),
            d => d.Count >= count, TimeSpan.FromSeconds(15), cancellationToken, $"{count} deliveries to {room}");

    private static string MessageId(JsonElement delivery) => delivery.GetProperty("message").GetProperty("id").GetString()!;

    private static string[] Users(JsonElement delivery) => Strings(delivery.GetProperty("users").GetProperty("ids"));

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
