using System.Net.Http.Json;
using System.Text.Json;
using Dapr.Client;
using Suite.Embedded;
using Suite.Testing;

namespace Suite.Notifications.Client.Tests;

/// <summary>
/// The embedded suite (every service beside its emulator sidecar, with service authentication on)
/// and a business app's own sidecar on its bus, with a DaprClient to publish through it.
/// </summary>
public sealed class EmbeddedSuiteFixture : IAsyncLifetime
{
    public EmbeddedSuite Suite { get; private set; } = null!;

    public DaprClient Dapr { get; private set; } = null!;

    public int EdgePort { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        EdgePort = FreePort.Next();
        Suite = await EmbeddedSuite.StartAsync(EdgePort, ct);
        var (grpcPort, httpPort) = await Suite.StartAppSidecarAsync("orders", ct);
        Dapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{grpcPort}").UseHttpEndpoint($"http://127.0.0.1:{httpPort}").Build();
        await Eventually.UntilAsync(() => Dapr.CheckHealthAsync(ct), healthy => healthy, TimeSpan.FromSeconds(30), ct, "the business sidecar is ready");
    }

    public async ValueTask DisposeAsync()
    {
        Dapr?.Dispose();
        if (Suite is not null)
        {
            await Suite.DisposeAsync();
        }
    }

    /// <summary>A client on the suite's edge, authenticated as <paramref name="user"/>.</summary>
    public async Task<TestClient> ConnectAsync(string user, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{EdgePort}") };
        var token = (await http.GetFromJsonAsync<JsonElement>($"/dev/token?user={Uri.EscapeDataString(user)}", ct)).GetProperty("token").GetString();
        var client = await TestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{EdgePort}/ws?access_token={token}"), ct);
        await client.ReceiveAsync("auth:ok", ct);
        return client;
    }
}
