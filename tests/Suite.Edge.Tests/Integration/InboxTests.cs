using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Notification.V1;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// The offline inbox at the edge: pending acknowledged notifications right after auth:ok, live frames
/// after them, the client's ack forwarded to notification, bad acks refused, and a notification
/// service that is down costing nothing but the pending items.
/// </summary>
public sealed class InboxTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    public async ValueTask InitializeAsync() => _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Pending_items_follow_auth_ok_oldest_first_as_their_frame_plus_ack_true()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N");
        var now = _edge.Time.GetUtcNow();
        _edge.Upstream.Notification.Pending(
            user,
            Item("n-old", now.AddMinutes(-3), now.AddHours(1)),
            Item("n-expired", now.AddMinutes(-2), now.AddSeconds(-1)),
            Item("n-ios-only", now.AddMinutes(-2), now.AddHours(1), new Filter { Platforms = { "ios" } }),
            Item("n-new", now.AddMinutes(-1), now.AddHours(1)));
        await using var client = await _edge.ConnectAsync(ct);

        await client.SendAsync(new { type = "auth", token = _edge.Token(user) }, ct);

        Assert.Equal("auth:ok", (await client.ReceiveAsync(ct)).GetProperty("type").GetString());
        var first = await client.ReceiveAsync(ct);
        Assert.Equal(
            $$"""{"type":"order_update","content":{"orderId":"n-old"},"ack":true,"timestamp":{{now.AddMinutes(-3).ToUnixTimeMilliseconds()}},"id":"n-old"}""",
            first.GetRawText());
        Assert.Equal("n-new", (await client.ReceiveAsync(ct)).GetProperty("id").GetString());
        await client.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("pong", (await client.ReceiveAsync(ct)).GetProperty("type").GetString());
        Assert.Contains(user, _edge.Upstream.Notification.InboxReads);
    }

    [Fact]
    public async Task Live_frames_that_arrive_while_the_inbox_is_read_come_after_the_pending_items()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N");
        var now = _edge.Time.GetUtcNow();
        _edge.Upstream.Notification.Pending(user, Item("n-pending", now.AddMinutes(-1), now.AddHours(1)));
        var release = _edge.Upstream.Notification.Hold(user);
        await using var client = await _edge.ConnectAsAsync(user, ct, inboxRead: false);
        var connection = _edge.Services.GetRequiredService<ConnectionRegistry>().Find(client.ConnectionId!)!;

        await _edge.PublishRawAsync(false, _edge.Payload(user, new ServerMessage { Id = "live-1", Type = "order_update", Timestamp = Timestamp.FromDateTimeOffset(now), ContentJson = ByteString.CopyFromUtf8("1") }), ct);
        await Eventually.UntilAsync(() => connection.LiveHold?.Count == 1, TimeSpan.FromSeconds(15), ct, "the live frame held while the inbox is read");
        release();

        Assert.Equal("n-pending", (await client.ReceiveAsync(ct)).GetProperty("id").GetString());
        var live = await client.ReceiveAsync(ct);
        Assert.Equal("live-1", live.GetProperty("id").GetString());
        Assert.False(live.TryGetProperty("ack", out _));
        // The hold sends its frames before it is forgotten (Connection.EndLiveHold), so the client can
        // read the live frame a moment before the hold is gone.
        await Eventually.UntilAsync(() => connection.LiveHold is null, TimeSpan.FromSeconds(5), ct, "the hold ended");
    }

    [Fact]
    public async Task A_notification_service_that_is_down_leaves_the_connection_working()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N");
        _edge.Upstream.Notification.FailsWith = StatusCode.Unavailable;
        try
        {
            await using var client = await _edge.ConnectAsAsync(user, ct);

            await _edge.PublishRawAsync(false, _edge.Payload(user, "alert", 1), ct);
            Assert.Equal("alert", (await client.ReceiveAsync(ct)).GetProperty("type").GetString());

            await client.SendAsync(new { type = "ack", ids = new[] { "n1" } }, ct);
            var error = await client.ReceiveAsync("error", ct);
            Assert.Equal("upstream_unavailable", error.GetProperty("code").GetString());
            await client.SendAsync(new { type = "ping" }, ct);
            Assert.Equal("pong", (await client.ReceiveAsync("pong", ct)).GetProperty("type").GetString());
        }
        finally
        {
            _edge.Upstream.Notification.FailsWith = null;
        }
    }

    [Fact]
    public async Task An_ack_goes_to_notification_with_the_token_user_and_the_acking_connection()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N");
        await using var client = await _edge.ConnectAsAsync(user, ct);

        await client.SendAsync(new { type = "ack", ids = new[] { "n1", "n2", "n1" } }, ct);

        var ack = await Eventually.UntilAsync(
            () => Task.FromResult(_edge.Upstream.Notification.Acks.FirstOrDefault(a => a.UserId == user)),
            a => a is not null,
            TimeSpan.FromSeconds(15),
            ct,
            "the ack at notification");
        Assert.Equal(["n1", "n2"], ack!.Ids);
        Assert.Equal(client.ConnectionId, ack.ExceptConnectionId);
    }

    [Fact]
    public async Task An_ack_whose_client_leaves_while_it_is_at_notification_is_still_carried_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N");
        var (arrived, release) = _edge.Upstream.Notification.HoldAcks();
        try
        {
            await using var client = await _edge.ConnectAsAsync(user, ct);
            var registry = _edge.Services.GetRequiredService<ConnectionRegistry>();
            var connection = registry.Find(client.ConnectionId!)!;
            await client.SendAsync(new { type = "ack", ids = new[] { "n1" } }, ct);
            await arrived.WaitAsync(TimeSpan.FromSeconds(15), ct);

            client.Socket.Abort();
            release();

            // The ack reaches notification although its client is gone, and the connection closes as
            // any vanished client's does (1012 "aborted"), not by an exception out of its handler.
            await Eventually.UntilAsync(() => _edge.Upstream.Notification.Acks.Any(a => a.UserId == user), TimeSpan.FromSeconds(15), ct, "the ack never reached notification");
            await Eventually.UntilAsync(() => registry.Find(connection.Id) is null, TimeSpan.FromSeconds(15), ct, "the connection was not removed");
            Assert.Equal(CloseCodes.ServiceRestart, connection.Close?.Code);
            Assert.Equal("aborted", connection.Close?.Reason);
        }
        finally
        {
            release();
        }
    }

    [Theory]
    [InlineData("""{"type":"ack"}""", "missing_field", "'ids'")]
    [InlineData("""{"type":"ack","ids":"n1"}""", "invalid_field", "'ids'")]
    [InlineData("""{"type":"ack","ids":[]}""", "invalid_field", "'ids'")]
    [InlineData("""{"type":"ack","ids":[7]}""", "invalid_field", "'ids[0]'")]
    [InlineData("""{"type":"ack","ids":[""]}""", "invalid_field", "'ids[0]'")]
    public async Task A_bad_ack_gets_an_error_frame_and_the_connection_stays_open(string frame, string code, string named)
    {
        var ct = TestContext.Current.CancellationToken;
        var user = "u-" + Guid.NewGuid().ToString("N");
        await using var client = await _edge.ConnectAsAsync(user, ct);

        await client.SendTextAsync(frame, ct);

        var error = await client.ReceiveAsync("error", ct);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await client.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("pong", (await client.ReceiveAsync("pong", ct)).GetProperty("type").GetString());
        Assert.DoesNotContain(_edge.Upstream.Notification.Acks, a => a.UserId == user);
    }

    [Fact]
    public async Task Too_many_ids_in_one_ack_are_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await _edge.ConnectAsAsync("u-" + Guid.NewGuid().ToString("N"), ct);

        await client.SendAsync(new { type = "ack", ids = Enumerable.Range(0, 101).Select(i => $"n{i}").ToArray() }, ct);

        var error = await client.ReceiveAsync("error", ct);
        Assert.Equal("Field 'ids' holds more than 100 ids; ack at most 100 at once.", error.GetProperty("message").GetString());
    }

    private static InboxItem Item(string id, DateTimeOffset acceptedAt, DateTimeOffset expiresAt, Filter? filter = null) => new()
    {
        Id = id,
        Type = "order_update",
        ContentJson = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { orderId = id })),
        Timestamp = Timestamp.FromDateTimeOffset(acceptedAt),
        ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
        Filter = filter,
    };
}
