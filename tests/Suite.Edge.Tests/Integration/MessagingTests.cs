using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>Room, direct and channel traffic through the edge, its fake upstream and its Dapr topics.</summary>
public sealed class MessagingTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Room_message_reaches_every_other_member_but_not_the_sender()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        await using var bob = await _edge.ConnectAsAsync("bob", ct);
        await using var carol = await _edge.ConnectAsAsync("carol", ct);
        foreach (var client in new[] { alice, bob })
        {
            await client.SendAsync(new { type = "join", roomId = "lobby" }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await alice.SendAsync(new { type = "message", roomId = "lobby", content = new { text = "hi" } }, ct);

        var message = await bob.ReceiveAsync("message", ct);
        Assert.Equal("lobby", message.GetProperty("roomId").GetString());
        Assert.Equal("alice", message.GetProperty("from").GetString());
        Assert.Equal("hi", message.GetProperty("content").GetProperty("text").GetString());
        Assert.True(message.GetProperty("seq").GetInt64() > 0);
        Assert.False(string.IsNullOrEmpty(message.GetProperty("id").GetString()));

        // alice and carol see nothing of it: a ping answered proves nothing was queued before the pong.
        await alice.SendAsync(new { type = "ping" }, ct);
        Assert.DoesNotContain("message", await TypesUntilPongAsync(alice, ct));
        await carol.SendAsync(new { type = "ping" }, ct);
        Assert.DoesNotContain("message", await TypesUntilPongAsync(carol, ct));
    }

    [Fact]
    public async Task Joining_a_room_tells_its_members_the_user_joined()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        await alice.SendAsync(new { type = "join", roomId = "r1" }, ct);
        await alice.ReceiveAsync("joined", ct);
        await using var bob = await _edge.ConnectAsAsync("bob", ct);

        await bob.SendAsync(new { type = "join", roomId = "r1" }, ct);

        var joined = await alice.ReceiveAsync(f => f.GetProperty("type").GetString() == "user:joined" && f.GetProperty("userId").GetString() == "bob", ct);
        Assert.Equal("bob", joined.GetProperty("userId").GetString());
        Assert.Equal("r1", joined.GetProperty("roomId").GetString());
    }

    [Fact]
    public async Task Direct_message_reaches_every_device_of_the_user()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var phone = await _edge.ConnectAsAsync("dana", ct);
        await using var laptop = await _edge.ConnectAsAsync("dana", ct);
        await using var sender = await _edge.ConnectAsAsync("eve", ct);

        await sender.SendAsync(new { type = "direct", to = "dana", content = "psst" }, ct);

        foreach (var device in new[] { phone, laptop })
        {
            var direct = await device.ReceiveAsync("direct", ct);
            Assert.Equal("eve", direct.GetProperty("from").GetString());
            Assert.Equal("psst", direct.GetProperty("content").GetString());
        }
    }

    [Fact]
    public async Task A_subscribe_carries_the_verified_token_claims_for_the_channel_rules()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("hana", ct, new Dictionary<string, object> { ["team"] = "core" });

        await client.SendAsync(new { type = "subscribe", channel = "team-core" }, ct);
        await client.ReceiveAsync("subscribed", ct);

        var subscribe = _edge.Upstream.Room.Subscriptions.Single(s => s.Channel == "team-core");
        Assert.Equal("core", subscribe.TokenClaims?.Fields["team"].StringValue);
        Assert.Equal("hana", subscribe.TokenClaims?.Fields["sub"].StringValue);
    }

    [Fact]
    public async Task A_join_carries_the_verified_token_claims_for_the_room_rules()
    {
        // The room judges a join on token_claims; only what the edge validated may be in them.
        var ct = TestContext.Current.CancellationToken;
        var claims = new Dictionary<string, object>
        {
            ["tier"] = "silver",
            ["level"] = 3,
            ["beta"] = true,
            ["roles"] = new[] { "host", "mod" },
            ["org"] = new Dictionary<string, object> { ["id"] = "acme", ["seats"] = 12.5 },
        };
        await using var client = await _edge.ConnectAsAsync("ivan", ct, claims);

        await client.SendAsync(new { type = "join", roomId = "vip-lounge" }, ct);
        await client.ReceiveAsync("joined", ct);

        var join = _edge.Upstream.Room.Joins.Single(j => j.RoomId == "vip-lounge");
        Assert.Equal("silver", join.TokenClaims?.Fields["tier"].StringValue);
        Assert.Equal("ivan", join.TokenClaims?.Fields["sub"].StringValue);
        // Every JSON type survives as the room's rules would read it.
        var fields = join.TokenClaims!.Fields;
        Assert.Equal(3.0, fields["level"].NumberValue);
        Assert.True(fields["beta"].BoolValue);
        Assert.Equal(["host", "mod"], fields["roles"].ListValue.Values.Select(v => v.StringValue));
        Assert.Equal("acme", fields["org"].StructValue.Fields["id"].StringValue);
        Assert.Equal(12.5, fields["org"].StructValue.Fields["seats"].NumberValue);
        Assert.Equal("ivan", join.UserId);
    }

    [Fact]
    public async Task Channel_publication_reaches_subscribers_that_match_the_filter_only()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var subscriber = await _edge.ConnectAsAsync("frank", ct);
        await using var unsubscribed = await _edge.ConnectAsAsync("gina", ct);
        await subscriber.SendAsync(new { type = "subscribe", channel = "prices" }, ct);
        await subscriber.ReceiveAsync("subscribed", ct);

        await _edge.Upstream.Room.PublishToChannelAsync("prices", "price_update", """{"sym":"ACME","px":1}""");

        var update = await subscriber.ReceiveAsync("price_update", ct);
        Assert.Equal("ACME", update.GetProperty("content").GetProperty("sym").GetString());
        await unsubscribed.SendAsync(new { type = "ping" }, ct);
        Assert.DoesNotContain("price_update", await TypesUntilPongAsync(unsubscribed, ct));
    }

    [Fact]
    public async Task Leaving_a_room_stops_its_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var alice = await _edge.ConnectAsAsync("alice", ct);
        await using var bob = await _edge.ConnectAsAsync("bob", ct);
        foreach (var client in new[] { alice, bob })
        {
            await client.SendAsync(new { type = "join", roomId = "r2" }, ct);
            await client.ReceiveAsync("joined", ct);
        }

        await bob.SendAsync(new { type = "leave", roomId = "r2" }, ct);
        await bob.ReceiveAsync("left", ct);
        await alice.SendAsync(new { type = "message", roomId = "r2", content = "anyone?" }, ct);

        await alice.SendAsync(new { type = "direct", to = "bob", content = "marker" }, ct);
        var seen = new List<string>();
        while (true)
        {
            var frame = await bob.ReceiveAsync(ct);
            var type = frame.GetProperty("type").GetString()!;
            if (type == "direct")
            {
                break;
            }

            seen.Add(type);
        }

        Assert.DoesNotContain("message", seen);
    }

    [Fact]
    public async Task Closing_a_connection_releases_it_upstream()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await _edge.ConnectAsAsync("hank", ct);
        await client.SendAsync(new { type = "join", roomId = "r3" }, ct);
        await client.ReceiveAsync("joined", ct);

        await client.DisposeAsync();

        await Eventually.UntilAsync(() => _edge.Upstream.Presence.CallLog.Contains($"Disconnect hank {client.ConnectionId}"), TimeSpan.FromSeconds(5), ct, "presence hears of the disconnect");
        await Eventually.UntilAsync(() => _edge.Upstream.Room.CallLog.Contains($"Release {client.ConnectionId}"), TimeSpan.FromSeconds(5), ct, "room drops the memberships");
    }

    [Fact]
    public async Task A_client_that_leaves_without_a_close_frame_is_released_upstream_and_closed_as_aborted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await RawClient.ConnectAsync(_edge.Port, ct);
        await client.SendAsync(RawClient.Upgrade(key: RawClient.NewKey()), ct);
        Assert.StartsWith("HTTP/1.1 101 ", await client.ReadHeadAsync(ct), StringComparison.Ordinal);
        await client.SendAsync(RawClient.TextFrame(JsonSerializer.Serialize(new { type = "auth", token = _edge.Token("ivy") })), ct);
        var ok = JsonDocument.Parse(await client.ReadTextFrameAsync(ct)).RootElement;
        Assert.Equal("auth:ok", ok.GetProperty("type").GetString());
        var connectionId = ok.GetProperty("connectionId").GetString()!;
        var registry = _edge.Services.GetRequiredService<ConnectionRegistry>();
        var connection = registry.Find(connectionId)!;

        // The client's end of the connection, and no close frame before it.
        client.EndSending();

        await Eventually.UntilAsync(() => registry.Find(connectionId) is null, TimeSpan.FromSeconds(5), ct, "the connection was not removed");
        Assert.Equal(CloseCodes.ServiceRestart, connection.Close?.Code);
        Assert.Equal("aborted", connection.Close?.Reason);
        await Eventually.UntilAsync(() => _edge.Upstream.Presence.CallLog.Contains($"Disconnect ivy {connectionId}"), TimeSpan.FromSeconds(5), ct, "presence hears of the disconnect");
    }

    private static async Task<List<string>> TypesUntilPongAsync(TestClient client, CancellationToken ct)
    {
        var types = new List<string>();
        while (true)
        {
            var type = (await client.ReceiveAsync(ct)).GetProperty("type").GetString()!;
            if (type == "pong")
            {
                return types;
            }

            types.Add(type);
        }
    }
}
