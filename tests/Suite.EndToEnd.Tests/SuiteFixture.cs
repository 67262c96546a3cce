using System.Net.Http.Json;
using System.Text.Json;
using Suite.Launcher;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// The whole suite as separate processes over one broker: presence, room, notification and three
/// edges, each beside its own emulator sidecar, plus a business app's sidecar for publishing.
/// edge-2 is reserved for the test that kills an edge. A subclass picks the broker by its
/// components folder (components/nats runs nats-server beside Redis, which keeps the state) and may
/// change the shape (<see cref="Rooms"/>, <see cref="Edges"/>, <see cref="Settings"/>).
/// </summary>
public abstract class SuiteFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    public SuiteTopology Suite { get; private set; } = null!;

    /// <summary>The redis-server every fixture runs (the state store, and the broker of components/redis), for tests that fault it.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The nats-server of components/nats; null over Redis.</summary>
    public NatsServer? Nats { get; private set; }

    /// <summary>Where the business test app's sidecar takes its components from (same broker as the suite).</summary>
    public string ResourcesPath => Suite.ResourcesPath;

    protected abstract string ComponentsFolder { get; }

    protected virtual int Edges => 3;

    protected virtual int Rooms => 1;

    /// <summary>The key the services authenticate each other's gRPC calls with; null = none (tests call services directly).</summary>
    public virtual string? ServiceKey => null;

    /// <summary>Redis with an append-only file, for tests that restart it and expect their data back.</summary>
    protected virtual bool PersistentRedis => false;

    /// <summary>Settings for every service besides the short leases all fixtures use.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    /// <summary>Runs before any server starts, e.g. to start what <see cref="Settings"/> points at.</summary>
    protected virtual Task BeforeSuiteStartsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stopped with the fixture, after the suite.</summary>
    protected void Own(IAsyncDisposable owned) => _owned.Add(owned);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await BeforeSuiteStartsAsync(ct);
        var redis = PersistentRedis ? await RedisServer.StartPersistentAsync(ct) : await RedisServer.StartAsync(ct);
        _owned.Add(redis);
        Redis = redis;
        NatsServer? nats = null;
        if (ComponentsFolder == "components/nats")
        {
            nats = await NatsServer.StartAsync(ct);
            _owned.Add(nats);
            Nats = nats;
        }

        Suite = await SuiteTopology.StartAsync(
            new TopologyOptions
            {
                RepositoryRoot = RepositoryRoot.Find(),
                ComponentsFolder = ComponentsFolder,
                Edges = Edges,
                Rooms = Rooms,
                Configuration = BuildConfiguration,
                RedisAddress = redis.ConnectionString,
                NatsUrl = nats?.Url,
                ServiceKey = ServiceKey,
                // As production runs: every sidecar sends the app token and requires the Dapr token.
                AppApiToken = "e2e-app-api-token",
                DaprApiToken = "e2e-dapr-api-token",
                Settings = new Dictionary<string, string>(Settings)
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
    public async Task<TestClient> ConnectAsync(int edge, string userId, CancellationToken cancellationToken) =>
        await ConnectWithTokenAsync(edge, await TokenAsync(edge, userId, cancellationToken), cancellationToken);

    /// <summary>A client on edge <paramref name="edge"/>, authenticated with <paramref name="token"/> at the upgrade.</summary>
    public async Task<TestClient> ConnectWithTokenAsync(int edge, string token, CancellationToken cancellationToken)
    {
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
}

public sealed class NatsSuiteFixture : SuiteFixture
{
    protected override string ComponentsFolder => "components/nats";
}
