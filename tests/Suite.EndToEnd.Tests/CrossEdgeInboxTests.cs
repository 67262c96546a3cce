using Grpc.Net.Client;
using Suite.Contracts.Notification.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

// The offline inbox across edges, on the same running suite as the other cross-edge scenarios: a
// business event with "ack": true published through a business app's own sidecar.
public abstract partial class CrossEdgeTests
{
    [Fact]
    public async Task Acknowledged_event_waits_for_an_offline_user_and_an_ack_on_one_device_dismisses_it_everywhere()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = U("olga");
        var (offlineId, liveId) = (U("ack-offline"), U("ack-live"));
        await using var business = await RecorderApp.StartAsync("business-" + _run, suite.ResourcesPath, [], ct);
        using var channel = GrpcChannel.ForAddress(suite.Suite.Notification.GrpcAddress);
        var notification = new NotificationService.NotificationServiceClient(channel);

        // Nobody of olga's is connected: the event waits in her inbox.
        await PublishAsync(business, $$$"""{"id":"{{{offlineId}}}","users":{"ids":["{{{user}}}"]},"ack":true,"payload":{"type":"order_update","content":{"orderId":7} } }""", ct);
        await PendingAsync(notification, user, [offlineId], ct);

        // A device that connects later gets it right after auth:ok, as its frame plus "ack":true.
        await using var phone = await suite.ConnectAsync(0, user, ct);
        var pending = await phone.ReceiveAsync(ct);
        Assert.Equal(offlineId, pending.GetProperty("id").GetString());
        Assert.Equal("order_update", pending.GetProperty("type").GetString());
        Assert.Equal(7, pending.GetProperty("content").GetProperty("orderId").GetInt32());
        Assert.True(pending.GetProperty("ack").GetBoolean());

        await using var tablet = await suite.ConnectAsync(0, user, ct);
        await using var laptop = await suite.ConnectAsync(1, user, ct);
        foreach (var device in new[] { tablet, laptop })
        {
            Assert.Equal(offlineId, (await device.ReceiveAsync(ct)).GetProperty("id").GetString());
        }

        // Online devices get an acknowledged event live, with "ack":true.
        await PublishAsync(business, $$$"""{"id":"{{{liveId}}}","users":{"ids":["{{{user}}}"]},"ack":true,"payload":{"type":"order_update","content":{"orderId":8} } }""", ct);
        foreach (var device in new[] { phone, tablet, laptop })
        {
            var live = await device.ReceiveAsync(f => f.GetProperty("id").GetString() == liveId, ct);
            Assert.True(live.GetProperty("ack").GetBoolean());
        }

        // One device acks both: the others, on both edges, are told; the acking one is not.
        await phone.SendAsync(new { type = "ack", ids = new[] { offlineId, liveId } }, ct);
        foreach (var device in new[] { tablet, laptop })
        {
            var dismissed = await device.ReceiveAsync("dismissed", ct);
            Assert.Equal([offlineId, liveId], dismissed.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
            Assert.False(string.IsNullOrEmpty(dismissed.GetProperty("id").GetString()));
            Assert.True(dismissed.GetProperty("timestamp").GetInt64() > 0);
        }

        await tablet.SendAsync(new { type = "direct", to = user, content = "marker" }, ct);
        Assert.DoesNotContain(await FramesUntilAsync(phone, "direct", 1, ct), f => Is(f, "dismissed"));

        // The marker reaches edge 1 through the broker, maybe after the phone has it: once the laptop
        // has it too, edge 1 is done with it, so the device connecting there next cannot get it.
        await FramesUntilAsync(laptop, "direct", 1, ct);

        // A device that connects now gets nothing: its first frame after auth:ok answers its ping.
        await PendingAsync(notification, user, [], ct);
        await using var desktop = await suite.ConnectAsync(1, user, ct);
        await desktop.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("pong", (await desktop.ReceiveAsync(ct)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Acknowledged_event_not_acked_expires_at_its_ttl()
    {
        var ct = TestContext.Current.CancellationToken;
        var user = U("pia");
        await using var business = await RecorderApp.StartAsync("business-" + _run, suite.ResourcesPath, [], ct);
        using var channel = GrpcChannel.ForAddress(suite.Suite.Notification.GrpcAddress);
        var notification = new NotificationService.NotificationServiceClient(channel);

        await PublishAsync(business, $$$"""{"id":"{{{U("short")}}}","users":{"ids":["{{{user}}}"]},"ack":true,"ttl":"5s","payload":{"type":"reminder","content":1}}""", ct);
        await PendingAsync(notification, user, [U("short")], ct);
        await PendingAsync(notification, user, [], ct);

        await using var late = await suite.ConnectAsync(0, user, ct);
        await late.SendAsync(new { type = "ping" }, ct);
        Assert.Equal("pong", (await late.ReceiveAsync(ct)).GetProperty("type").GetString());
    }

    private static async Task PendingAsync(NotificationService.NotificationServiceClient notification, string user, string[] ids, CancellationToken ct) =>
        await Eventually.UntilAsync(
            async () => (await notification.GetInboxAsync(new GetInboxRequest { UserId = user }, cancellationToken: ct)).Items.Select(i => i.Id).ToArray(),
            pending => pending.SequenceEqual(ids),
            Wait,
            ct,
            $"{user}'s inbox holding [{string.Join(", ", ids)}]");
}
