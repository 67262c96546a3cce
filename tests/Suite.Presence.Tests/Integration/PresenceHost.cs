using System.Diagnostics.Metrics;
using Dapr.Client;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Suite.Contracts.Presence.V1;
using Suite.LocalServers;
using Suite.Presence.Memory;
using Suite.Testing;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// A real presence service on real Kestrel (its Grpc and Http endpoints on free ports), beside an
/// emulator sidecar whose pub/sub is Redis Streams, so tests read the published events from Redis.
/// State is in-memory or Redis. Timers run on <see cref="Time"/>.
/// </summary>
public sealed class PresenceHost : IAsyncDisposable
{
    private readonly PresenceFactory _factory;
    private readonly Sidecar? _sidecar;
    private readonly ResourcesFolder? _resources;
    private readonly RedisServer? _ownedRedis;
    private readonly ConnectionMultiplexer? _redis;
    private readonly ConnectionMultiplexer? _broker;
    private readonly GrpcChannel _channel;

    private PresenceHost(PresenceFactory factory, Sidecar? sidecar, ResourcesFolder? resources, RedisServer? ownedRedis, ConnectionMultiplexer? redis, FakeTimeProvider time, int grpcPort, string appId, ConnectionMultiplexer? broker = null)
    {
        _broker = broker;
        _factory = factory;
        _sidecar = sidecar;
        _resources = resources;
        _ownedRedis = ownedRedis;
        _redis = redis;
        Time = time;
        AppId = appId;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Client = new PresenceService.PresenceServiceClient(_channel);
        Events = (broker ?? redis) is { } events ? new EventLog(events) : null!;
    }

    public PresenceService.PresenceServiceClient Client { get; }

    public FakeTimeProvider Time { get; }

    public EventLog Events { get; }

    public string AppId { get; }

    /// <summary>The Http endpoint: Dapr app callbacks, /healthz, /readyz, /metrics.</summary>
    public Uri HttpAddress { get; private init; } = null!;

    public IServiceProvider Services => _factory.Services;

    /// <summary>The Redis behind the components, to arrange or inspect state behind presence's back.</summary>
    public IDatabase Redis => _redis!.GetDatabase();

    /// <summary>The Redis key state.redis keeps a presence state key under (keyPrefix appid).</summary>
    public string RedisKey(string stateKey) => $"{AppId}||{stateKey}";

    /// <summary>Waits until this replica trusts its memory (it is alone and has loaded it).</summary>
    public Task WaitUntilAnsweringFromMemoryAsync(CancellationToken cancellationToken) =>
        Eventually.UntilAsync(() => Services.GetRequiredService<PresenceMemory>().IsSure, TimeSpan.FromSeconds(15), cancellationToken, $"{AppId} answers from memory");

    /// <summary>Counts this replica's lookups by source (memory or store) from now until disposed.</summary>
    public LookupSources CountLookups() => new(Services.GetRequiredService<IMeterFactory>());

    /// <param name="redis">
    /// A Redis to share with other hosts (replicas of one presence app id); without it the host
    /// starts its own, so tests do not see each other's events.
    /// </param>
    /// <param name="broker">A Redis for the pub/sub alone (and <see cref="Events"/>), so a test can fail the broker and not the state store.</param>
    public static async Task<PresenceHost> StartAsync(
        StateKind stateKind,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? settings = null,
        RedisServer? redis = null,
        string? appId = null,
        RedisServer? broker = null)
    {
        appId ??= "presence-" + Guid.NewGuid().ToString("N")[..6];
        var ownedRedis = redis is null ? await RedisServer.StartAsync(cancellationToken) : null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(stateKind, redis ?? ownedRedis!, broker ?? redis ?? ownedRedis!, ownedRedis, appId, settings, cancellationToken);
            }
            catch (IOException ex) when (attempt < 3 && ex.InnerException is AddressInUseException)
            {
                // A port picked free was taken (often as an ephemeral client port) before the bind.
            }
            catch when (ownedRedis is not null)
            {
                await ownedRedis.DisposeAsync();
                throw;
            }
        }
    }

    private static async Task<PresenceHost> StartOnceAsync(
        StateKind stateKind,
        RedisServer server,
        RedisServer broker,
        RedisServer? ownedRedis,
        string appId,
        IReadOnlyDictionary<string, string>? settings,
        CancellationToken cancellationToken)
    {
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var resources = new ResourcesFolder(
            ("pubsub.yaml", ComponentYaml.Of("pubsub", "pubsub.redis", broker.ConnectionString)),
            ("statestore.yaml", stateKind == StateKind.Redis
                ? ComponentYaml.Of("statestore", "state.redis", server.ConnectionString)
                : ComponentYaml.Of("statestore", "state.in-memory")));
        // Both API tokens, as a production sidecar would have them: every presence test then also shows
        // that each sidecar call of presence (state, publishes, the SDK's health checks) carries the token.
        var sidecarOptions = Sidecar.OptionsFor(appId, httpPort, resources.Path) with { AppApiToken = AppApiToken, ApiToken = DaprApiToken };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var all = Settings(grpcPort, httpPort, $"http://127.0.0.1:{sidecarOptions.GrpcPort}", $"http://127.0.0.1:{sidecarOptions.HttpPort}", settings);
        var factory = new PresenceFactory(all, time);
        Sidecar? sidecar = null;
        try
        {
            factory.UseKestrel(_ => { });
            factory.StartServer();
            sidecar = await Sidecar.StartAsync(sidecarOptions, cancellationToken);
            using var health = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint).Build();
            await Eventually.UntilAsync(() => health.CheckHealthAsync(cancellationToken), healthy => healthy, TimeSpan.FromSeconds(15), cancellationToken, "the sidecar is up");
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
            var events = broker == server ? null : await ConnectionMultiplexer.ConnectAsync(broker.ConnectionString);
            return new PresenceHost(factory, sidecar, resources, ownedRedis, multiplexer, time, grpcPort, appId, events) { HttpAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        }
        catch
        {
            await factory.DisposeAsync();
            if (sidecar is not null)
            {
                await sidecar.DisposeAsync();
            }

            resources.Dispose();
            throw;
        }
    }

    /// <summary>Presence pointed at a sidecar address where nothing listens, as when the sidecar or store is down.</summary>
    public static Task<PresenceHost> StartWithoutSidecarAsync()
    {
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var deadPort = FreePort.Next();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var factory = new PresenceFactory(Settings(grpcPort, httpPort, $"http://127.0.0.1:{deadPort}", $"http://127.0.0.1:{deadPort}", null), time);
        factory.UseKestrel(_ => { });
        factory.StartServer();
        return Task.FromResult(new PresenceHost(factory, null, null, null, null, time, grpcPort, "presence-down"));
    }

    public Task<EdgeLease> RegisterAsync(string edgeId, string incarnation, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        Client.RegisterEdgeAsync(
            new RegisterEdgeRequest { EdgeId = edgeId, Incarnation = incarnation, LeaseDuration = Duration.FromTimeSpan(leaseDuration) },
            deadline: Deadline(),
            cancellationToken: cancellationToken).ResponseAsync;

    public async Task<bool> ConnectAsync(string userId, string edgeId, string connectionId, CancellationToken cancellationToken, ConnectionAttributes? attributes = null) =>
        (await Client.ConnectAsync(
            new ConnectRequest { UserId = userId, EdgeId = edgeId, ConnectionId = connectionId, Attributes = attributes ?? new ConnectionAttributes(), ConnectedAt = Timestamp.FromDateTimeOffset(Time.GetUtcNow()) },
            deadline: Deadline(),
            cancellationToken: cancellationToken)).UserCameOnline;

    public async Task<bool> DisconnectAsync(string userId, string edgeId, string connectionId, CancellationToken cancellationToken) =>
        (await Client.DisconnectAsync(
            new DisconnectRequest { UserId = userId, EdgeId = edgeId, ConnectionId = connectionId, Reason = "client_closed" },
            deadline: Deadline(),
            cancellationToken: cancellationToken)).UserWentOffline;

    /// <summary>User id -> sorted edge ids, for the users that are online.</summary>
    public async Task<IReadOnlyDictionary<string, string[]>> LookupAsync(CancellationToken cancellationToken, params string[] userIds)
    {
        var response = await Client.LookupUsersAsync(new LookupUsersRequest { UserIds = { userIds } }, deadline: Deadline(), cancellationToken: cancellationToken);
        return response.Users.ToDictionary(u => u.UserId, u => u.EdgeIds.Order(StringComparer.Ordinal).ToArray());
    }

    public Task<GetUserPresenceResponse> GetAsync(string userId, CancellationToken cancellationToken) =>
        Client.GetUserPresenceAsync(new GetUserPresenceRequest { UserId = userId }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync;

    public static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _factory.DisposeAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        if (_ownedRedis is not null)
        {
            await _ownedRedis.DisposeAsync();
        }

        _resources?.Dispose();
    }

    private const string AppApiToken = "presence-tests-app-api-token";
    private const string DaprApiToken = "presence-tests-dapr-api-token";

    private static Dictionary<string, string> Settings(int grpcPort, int httpPort, string daprGrpc, string daprHttp, IReadOnlyDictionary<string, string>? extra)
    {
        var all = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["DAPR_GRPC_ENDPOINT"] = daprGrpc,
            ["DAPR_HTTP_ENDPOINT"] = daprHttp,
            ["Logging:LogLevel:Default"] = "Warning",
            ["APP_API_TOKEN"] = AppApiToken,
            ["DAPR_API_TOKEN"] = DaprApiToken,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return all;
    }

    private sealed class PresenceFactory(IReadOnlyDictionary<string, string> settings, FakeTimeProvider time) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // After appsettings.json, so the test's ports and options win over the defaults there.
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time));
        }
    }
}
