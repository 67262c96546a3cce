using System.Net.Http.Json;
using Suite.LocalServers;

namespace Suite.Embedded.Tests;

/// <summary>
/// One embedded suite for <see cref="ObservabilityNamesTests"/> and <see cref="InProcessCallsTests"/>, started once and given traffic once: a
/// room message, a notification and an invalid one, so most instruments record.
/// Its tests only read what the services export afterwards.
/// </summary>
public sealed class SuiteAfterTraffic : IAsyncLifetime
{
    public EmbeddedSuite Suite { get; private set; } = null!;

    /// <summary>Every request a host of this process began from before the suite started.</summary>
    public HostedRequests Requests { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Suite = await EmbeddedSuite.StartAsync(FreePort.Next(), ct);
        await MakeTrafficAsync(Suite, Suite.EdgePort, ct);
    }

    public async ValueTask DisposeAsync()
    {
        Requests.Dispose();
        if (Suite is not null)
        {
            await Suite.DisposeAsync();
        }
    }

    private static async Task MakeTrafficAsync(EmbeddedSuite suite, int port, CancellationToken ct)
    {
        await using var alice = await EmbeddedClients.ConnectAsync(port, "alice", ct);
        await using var bob = await EmbeddedClients.ConnectAsync(port, "bob", ct);
        await EmbeddedClients.JoinAsync("lobby", ct, alice, bob);

        await alice.SendAsync(new { type = "message", roomId = "lobby", content = "hi" }, ct);
        await bob.ReceiveAsync("message", ct);
        using var sidecar = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{suite.SidecarHttpPorts["notification"]}") };
        using var valid = await sidecar.PostAsJsonAsync("/v1.0/publish/pubsub/notifications", new { id = "n1", users = new { ids = new[] { "bob" } }, payload = new { type = "ping_me", content = 1 } }, ct);
        using var invalid = await sidecar.PostAsJsonAsync("/v1.0/publish/pubsub/notifications", new { id = "n2", payload = new { type = "no_target", content = 1 } }, ct);
        valid.EnsureSuccessStatusCode();
        invalid.EnsureSuccessStatusCode();
        await bob.ReceiveAsync("ping_me", ct);
    }
}
