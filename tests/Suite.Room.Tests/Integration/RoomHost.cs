using System.Text.Json;
using Dapr.Client;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Room.V1;
using Suite.LocalServers;
using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Room.Tests.Integration;

/// <summary>
/// The real room service on Kestrel (a gRPC port and a Dapr app port) beside an in-process emulator
/// sidecar whose pub/sub is Redis Streams, so every EdgeDelivery it publishes can be read back from
/// the stream <c>edge.{id}</c>. State is in-memory or Redis.
/// </summary>
public sealed class RoomHost : IAsyncDisposable
{
    /// <summary>The sidecar signs its calls to the room with this (APP_API_TOKEN), and the room checks it.</summary>
    public const string AppApiToken = "room-tests-app-api-token";

    /// <summary>The sidecar requires this on every call (DAPR_API_TOKEN), and the room sends it.</summary>
    public const string DaprApiToken = "room-tests-dapr-api-token";

    private readonly RoomFactory _factory;
    private readonly Sidecar _sidecar;
    private readonly ResourcesFolder _resources;
    private readonly GrpcChannel _channel;
    private readonly IDatabase _redis;

    private RoomHost(string appId, RoomFactory factory, Sidecar sidecar, ResourcesFolder resources, GrpcChannel channel, IDatabase redis, DaprClient dapr, int httpPort)
    {
        AppId = appId;
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcAddress = channel.Target.StartsWith("http", StringComparison.Ordinal) ? new Uri(channel.Target) : new Uri($"http://{channel.Target}");
        _factory = factory;
        _sidecar = sidecar;
        _resources = resources;
        _channel = channel;
        _redis = redis;
        Dapr = dapr;
        Client = new RoomService.RoomServiceClient(channel);
    }

    public RoomService.RoomServiceClient Client { get; }

    /// <summary>The gRPC endpoint (h2c).</summary>
    public Uri GrpcAddress { get; }

    /// <summary>The HTTP/1.1 endpoint: Dapr callbacks, /healthz, /readyz, /metrics.</summary>
    public Uri HttpAddress { get; }

    /// <summary>The service's own services, e.g. its IMeterFactory to tell its instruments from other hosts'.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>The Dapr app id; replicas of one room service share it (and so their state keys).</summary>
    public string AppId { get; }

    /// <summary>A client of the room's own sidecar, for publishing events the room subscribes to.</summary>
    public DaprClient Dapr { get; }

    public static async Task<RoomHost> StartAsync(RedisFixture redis, StateKind state, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null, string? appId = null)
    {
        appId ??= "room-" + Guid.NewGuid().ToString("N")[..6];
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var stateYaml = state == StateKind.Redis
            ? Component("statestore", "state.redis", redis.ConnectionString)
            : Component("statestore", "state.in-memory", null);
        var resources = new ResourcesFolder(
            ("pubsub.yaml", Component("pubsub", "pubsub.redis", redis.ConnectionString)),
            ("statestore.yaml", stateYaml));
        // Both API tokens, as a production sidecar would have them: every room test then also shows
        // that each sidecar call of the room carries the token and each callback is checked.
        var sidecarOptions = Sidecar.OptionsFor(appId, httpPort, resources.Path) with { AppApiToken = AppApiToken, ApiToken = DaprApiToken };
        var all = new Dictionary<string, string>
        {
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{sidecarOptions.GrpcPort}",
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{sidecarOptions.HttpPort}",
            ["APP_API_TOKEN"] = AppApiToken,
            ["DAPR_API_TOKEN"] = DaprApiToken,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        // Free ports instead of appsettings.json's 5102/5112, so hosts can run side by side.
        all["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}";
        all["Kestrel:Endpoints:Grpc:Protocols"] = "Http2";
        all["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}";
        all["Kestrel:Endpoints:Http:Protocols"] = "Http1";
        var factory = new RoomFactory(all);
        factory.UseKestrel();
        factory.StartServer();
        var sidecar = await Sidecar.StartAsync(sidecarOptions, cancellationToken);
        var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint).UseDaprApiToken(DaprApiToken).Build();
        await Eventually.UntilAsync(() => dapr.CheckHealthAsync(cancellationToken), healthy => healthy, TimeSpan.FromSeconds(15), cancellationToken, "the sidecar subscribed for the room service");
        var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        return new RoomHost(appId, factory, sidecar, resources, channel, redis.Connection.GetDatabase(), dapr, httpPort);
    }

    /// <summary>Stops the room's sidecar while the room runs (stopping it again at dispose does nothing more).</summary>
    public Task StopSidecarAsync() => _sidecar.DisposeAsync().AsTask();

    public static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public Task<JoinResponse> JoinAsync(string roomId, string userId, string edgeId, string connectionId, CancellationToken cancellationToken, Google.Protobuf.WellKnownTypes.Struct? claims = null) =>
        Client.JoinAsync(new JoinRequest { RoomId = roomId, UserId = userId, EdgeId = edgeId, ConnectionId = connectionId, TokenClaims = claims }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync;

    public Task<PublishToRoomResponse> SendAsync(string roomId, string userId, string edgeId, string connectionId, string contentJson, CancellationToken cancellationToken, string idempotencyKey = "") =>
        Client.PublishToRoomAsync(new PublishToRoomRequest { RoomId = roomId, UserId = userId, EdgeId = edgeId, ConnectionId = connectionId, ContentJson = contentJson, IdempotencyKey = idempotencyKey }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync;

    /// <summary>Every delivery published so far to <c>edge.{edgeId}</c>, oldest first.</summary>
    public async Task<IReadOnlyList<EdgeDelivery>> DeliveriesAsync(string edgeId)
    {
        var entries = await _redis.StreamRangeAsync($"edge.{edgeId}");
        var deliveries = new List<EdgeDelivery>();
        foreach (var entry in entries)
        {
            var data = entry.Values.First(v => v.Name == "data").Value;
            deliveries.AddRange(EdgeDeliveryCodec.Unbatch(EdgeDeliveryCodec.Read((byte[])data!)));
        }

        return deliveries;
    }

    /// <summary>The RoomLifecycleEvent events published so far for one room (the topic is shared by every host on the fixture's Redis), oldest first.</summary>
    public async Task<IReadOnlyList<RoomLifecycleEvent>> LifecycleAsync(string roomId)
    {
        var entries = await _redis.StreamRangeAsync(DaprNames.RoomLifecycleTopic);
        return entries
            .Select(entry => JsonDocument.Parse((string)entry["data"]!).RootElement.GetProperty("data").GetRawText())
            .Select(data => JsonParser.Default.Parse<RoomLifecycleEvent>(data))
            .Where(e => e.RoomId == roomId)
            .ToList();
    }

    /// <summary>The room's RoomLifecycleEvent events once there are at least <paramref name="atLeast"/>.</summary>
    public Task<IReadOnlyList<RoomLifecycleEvent>> LifecycleAsync(string roomId, int atLeast, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(() => LifecycleAsync(roomId), found => found.Count >= atLeast, TimeSpan.FromSeconds(10), cancellationToken, $"{atLeast} lifecycle events of room {roomId}");

    /// <summary>Events (single deliveries or batches) published so far to <c>edge.{edgeId}</c>.</summary>
    public Task<long> EventCountAsync(string edgeId) => _redis.StreamLengthAsync($"edge.{edgeId}");

    /// <summary>Deletes a state key behind the service's back (Redis state only), as an expiry or a lost write would.</summary>
    /// <summary>The Redis state store's version of a key: how many times it was written.</summary>
    public async Task<long> StateVersionAsync(string key) => (long)await _redis.HashGetAsync($"{AppId}||{key}", "version");

    public Task DeleteStateAsync(string key) => _redis.KeyDeleteAsync($"{AppId}||{key}");

    /// <summary>How long a state key has left before it expires (Redis state only); null = no expiry or no key.</summary>
    public Task<TimeSpan?> TimeToLiveAsync(string key) => _redis.KeyTimeToLiveAsync($"{AppId}||{key}");

    /// <summary>A state value as the service stored it (Redis state only), or null.</summary>
    public async Task<JsonElement?> ReadStateAsync(string key)
    {
        var data = await _redis.HashGetAsync($"{AppId}||{key}", "data");
        return data.IsNull ? null : JsonDocument.Parse((byte[])data!).RootElement.Clone();
    }

    /// <summary>Deliveries to an edge whose frame has the given type.</summary>
    public async Task<IReadOnlyList<EdgeDelivery>> DeliveriesAsync(string edgeId, string type) =>
        (await DeliveriesAsync(edgeId)).Where(d => d.Message.Type == type).ToList();

    /// <summary>
    /// The deliveries of a type on <c>edge.{edgeId}</c> once there are at least <paramref name="atLeast"/>:
    /// <c>user:joined</c> and <c>user:left</c> are published after the call that caused them answered.
    /// </summary>
    public Task<IReadOnlyList<EdgeDelivery>> DeliveriesAsync(string edgeId, string type, int atLeast, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(() => DeliveriesAsync(edgeId, type), found => found.Count >= atLeast, TimeSpan.FromSeconds(10), cancellationToken, $"{atLeast} {type} published to edge.{edgeId}");

    public static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        Dapr.Dispose();
        // The app first, as daprd outlives its app: a stopping replica gives its rooms up through it.
        await _factory.DisposeAsync();
        await _sidecar.DisposeAsync();
        _resources.Dispose();
    }

    private static string Component(string name, string type, string? redisHost) =>
        $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {type}\n  version: v1\n  metadata:"
        + (redisHost is null ? " []\n" : $"\n  - name: redisHost\n    value: \"{redisHost}\"\n");

    private sealed class RoomFactory(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // After appsettings.json, so the test's ports replace the service's defaults.
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))));

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}
