namespace Suite.Presence.Tests.Integration;

public sealed class EndpointTests
{
    [Fact]
    public async Task Http_endpoint_serves_health_readiness_and_presence_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromSeconds(30), ct);
        await presence.ConnectAsync("alice", "edge-a", "phone", ct);
        using var http = new HttpClient { BaseAddress = presence.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };

        Assert.True((await http.GetAsync("/healthz", ct)).IsSuccessStatusCode);
        Assert.True((await http.GetAsync("/readyz", ct)).IsSuccessStatusCode);
        var metrics = await http.GetStringAsync("/metrics", ct);

        Assert.Contains("suite_presence_connections", metrics, StringComparison.Ordinal);
        Assert.Contains("suite_presence_users_online", metrics, StringComparison.Ordinal);
    }
}
