using Suite.ServiceDefaults;

namespace Suite.Edge.Tests.Integration;

/// <summary><c>Edge:DeliverySubscription=Http</c>: the sidecar POSTs deliveries to the edge's topic routes.</summary>
public sealed class HttpDeliverySubscriptionTests
{
    [Fact]
    public async Task Deliveries_arrive_over_http_routes_when_streaming_is_off()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Edge:DeliverySubscription"] = "Http" });
        await using var alice = await edge.ConnectAsAsync("alice", ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        await edge.PublishRawAsync(urgent: false, edge.Payload("alice", "tick", 1), ct);
        await edge.PublishRawAsync(urgent: true, edge.Payload("alice", "alert", 2), ct);

        Assert.Equal(1, (await alice.ReceiveAsync("tick", ct)).GetProperty("n").GetInt32());
        Assert.Equal(2, (await alice.ReceiveAsync("alert", ct)).GetProperty("n").GetInt32());
        Assert.Contains(DaprNames.EdgeTopic(edge.EdgeId), await http.GetStringAsync("/dapr/subscribe", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_edge_lists_no_http_topic_routes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        Assert.DoesNotContain(DaprNames.EdgeTopic(edge.EdgeId), await http.GetStringAsync("/dapr/subscribe", ct), StringComparison.Ordinal);
    }
}
