using System.Net;
using System.Net.WebSockets;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

public sealed class AdmissionAndMetricsTests
{
    [Fact]
    public async Task Upgrades_beyond_the_admission_rate_get_429_with_retry_after()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string> { ["Connections:AdmissionsPerSecond"] = "2" });
        await using var first = await edge.ConnectAsync(ct);
        await using var second = await edge.ConnectAsync(ct);

        using var third = new ClientWebSocket();
        third.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => third.ConnectAsync(edge.WebSocketUri, ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.HttpStatusCode);
        Assert.True(third.HttpResponseHeaders?.ContainsKey("Retry-After"));
    }

    [Fact]
    public async Task Metrics_show_connections_by_state()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct);
        await using var active = await edge.ConnectAsAsync("alice", ct);
        await using var unauthenticated = await edge.ConnectAsync(ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}") };

        var metrics = await Eventually.UntilAsync(
            () => http.GetStringAsync("/metrics", ct),
            text => text.Contains("state=\"active\"} 1", StringComparison.Ordinal) && text.Contains("state=\"authenticating\"} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10),
            ct,
            "the by-state gauge shows one active and one authenticating connection");

        Assert.Contains("suite_edge_connections_by_state", metrics, StringComparison.Ordinal);
    }
}
