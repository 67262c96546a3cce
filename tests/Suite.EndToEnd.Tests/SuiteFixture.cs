using System.Net.Http.Json;
using System.Text.Json;
using Suite.Launcher;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// The whole suite as separate processes over one broker: presence, room, notification and three
/// edges, each beside its own emulator sidecar, plus a business app's sidecar for publishing.
/// edge-2 is reserved for the test that kills an edge.
/// </summary>
public abstract class SuiteFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    public SuiteTopology Suite { get; private set; } = null!;

    /// <summary>Where the business test app's sidecar takes its components from (same broker as the suite).</summary>
    public string ResourcesPath => Suite.ResourcesPath;

    protected abstract string ComponentsFolder { get; }

    protected abstract Task<(string? Redis, string? Nats)> StartBrokersAsync(Func<IAsyncDisposable, IAsyncDisposable> own, CancellationToken cancellationToken);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var (redis, nats) = await StartBrokersAsync(d =>
        {
            _owned.Add(d);
            return d;
        }, ct);
        Suite = await SuiteTopology.StartAsync(
            new TopologyOptions
            {
                RepositoryRoot = RepositoryRoot.Find(),
                ComponentsFolder = ComponentsFolder,
                Edges = 3,
                Configuration = BuildConfiguration,
                RedisAddress = redis,
                NatsUrl = nats,
                Settings = new Dictionary<string, string>
                {
                    ["Edge__LeaseDuration"] = "00:00:03",
                    ["Presence__MinLeaseDuration"] = "00:00:01",
                    ["Presence__SweepInterval"] = "00:00:00.500",
                },
            },
            ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Suite is not null)
        {
            await Suite.DisposeAsync();
        }

        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>A client on edge <paramref name="edge"/>, authenticated as <paramref name="userId"/>.</summary>
    public async Task<TestClient> ConnectAsync(int edge, string userId, CancellationToken cancellationToken, IDictionary<string, object>? claims = null)
    {
        var token = await TokenAsync(edge, userId, cancellationToken);
        var client = await TestClient.ConnectAsync(new Uri(Suite.WebSocketUri(edge) + "?access_token=" + token), cancellationToken);
        var ok = await client.ReceiveAsync("auth:ok", cancellationToken);
        client.ConnectionId = ok.GetProperty("connectionId").GetString();
        return client;
    }

    private async Task<string> TokenAsync(int edge, string userId, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Suite.Edges[edge].HttpPort}") };
        var issued = await http.GetFromJsonAsync<JsonElement>($"/dev/token?user={Uri.EscapeDataString(userId)}", cancellationToken);
        return issued.GetProperty("token").GetString()!;
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
}

public sealed class RedisSuiteFixture : SuiteFixture
{
    protected override string ComponentsFolder => "components/redis";

    protected override async Task<(string? Redis, string? Nats)> StartBrokersAsync(Func<IAsyncDisposable, IAsyncDisposable> own, CancellationToken cancellationToken)
    {
        var redis = (RedisServer)own(await RedisServer.StartAsync(cancellationToken));
        return (redis.ConnectionString, null);
    }
}

public sealed class NatsSuiteFixture : SuiteFixture
{
    protected override string ComponentsFolder => "components/nats";

    // components/nats keeps state in Redis, next to the JetStream broker.
    protected override async Task<(string? Redis, string? Nats)> StartBrokersAsync(Func<IAsyncDisposable, IAsyncDisposable> own, CancellationToken cancellationToken)
    {
        var redis = (RedisServer)own(await RedisServer.StartAsync(cancellationToken));
        var nats = (NatsServer)own(await NatsServer.StartAsync(cancellationToken));
        return (redis.ConnectionString, nats.Url);
    }
}
