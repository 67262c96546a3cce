using Suite.ServiceDefaults;
using Suite.Testing;

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
        using var internalHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.InternalPort}") };
        internalHttp.DefaultRequestHeaders.Add("dapr-api-token", EdgeHost.AppApiToken);

        // The first POST of a cold process can outlast a client's receive bound on a loaded machine.
        await edge.PublishRawAsync(urgent: false, edge.Payload("nobody", "warmup", 0), ct);
        await Eventually.UntilAsync(() => http.GetStringAsync("/metrics", ct), text => text.Contains("suite_edge_deliveries", StringComparison.Ordinal), TimeSpan.FromSeconds(30), ct, "the first delivery over HTTP was handled");

        await edge.PublishRawAsync(urgent: false, edge.Payload("alice", "tick", 1), ct);
        await edge.PublishRawAsync(urgent: true, edge.Payload("alice", "alert", 2), ct);

        // Two topics, two POSTs: the urgent one may arrive first (it is meant to overtake).
        var received = await alice.ReceiveEachAsync(["tick", "alert"], ct);
        Assert.Equal(1, received["tick"].GetProperty("n").GetInt32());
        Assert.Equal(2, received["alert"].GetProperty("n").GetInt32());
        Assert.Contains(DaprNames.EdgeTopic(edge.EdgeId), await internalHttp.GetStringAsync("/dapr/subscribe", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_edge_lists_no_http_topic_routes_and_is_ready_once_its_streams_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };
        using var internalHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.InternalPort}") };
        internalHttp.DefaultRequestHeaders.Add("dapr-api-token", EdgeHost.AppApiToken);

        Assert.DoesNotContain(DaprNames.EdgeTopic(edge.EdgeId), await internalHttp.GetStringAsync("/dapr/subscribe", ct), StringComparison.Ordinal);
        await Eventually.UntilAsync(async () => (await http.GetAsync("/readyz", ct)).IsSuccessStatusCode, ready => ready, TimeSpan.FromSeconds(10), ct, "/readyz passes");
    }
}
