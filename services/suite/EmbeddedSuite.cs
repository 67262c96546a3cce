using System.Globalization;
using Microsoft.Extensions.Configuration.Json;
using Suite.DaprEmulator.Hosting;
using Suite.DaprEmulator.PubSub.InMemory;
using Suite.LocalServers;
using Suite.ServiceDefaults.InProcess;

namespace Suite.Embedded;

/// <summary>
/// All four services and one emulator sidecar each, in one process, over in-memory components on
/// one shared bus: the quick start, with no broker to install. Each service is built exactly as
/// its own Program builds it; only its settings come from here.
/// </summary>
public sealed class EmbeddedSuite : IAsyncDisposable
{
    public const string DevelopmentSigningKey = "development-only-signing-key-change-me-0123456789";

    private readonly string _serviceKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly List<WebApplication> _apps = [];
    private readonly List<IDisposable> _inProcessAddresses = [];
    private readonly Dictionary<string, int> _httpPorts = [];
    private readonly Dictionary<string, int> _sidecarHttpPorts = [];
    private readonly Dictionary<string, int> _sidecarGrpcPorts = [];
    private readonly Dictionary<string, string> _grpcAddresses = [];
    private readonly Func<int> _freePort;
    private readonly InMemoryBus _bus = new();
    private readonly string _components = Path.Combine(AppContext.BaseDirectory, "components", "memory");

    private EmbeddedSuite(Func<int> freePort) => _freePort = freePort;

    public int EdgePort { get; private set; }

    /// <summary>The directory of the demo and ops pages the edge serves at <c>/</c> and <c>/ops</c>; null = no pages.</summary>
    public string? PagesPath { get; private init; }

    /// <summary>Each app's HTTP port for its sidecar (Dapr callbacks, health and /metrics) by app id: presence, room, notification, edge-0 (its internal port).</summary>
    public IReadOnlyDictionary<string, int> HttpPorts => _httpPorts;

    /// <summary>Each app's sidecar Dapr HTTP port by app id, where that app publishes (e.g. to <c>notifications</c>).</summary>
    public IReadOnlyDictionary<string, int> SidecarHttpPorts => _sidecarHttpPorts;

    /// <summary>Each app's sidecar Dapr gRPC port by app id (a DaprClient publishes over gRPC).</summary>
    public IReadOnlyDictionary<string, int> SidecarGrpcPorts => _sidecarGrpcPorts;

    /// <summary>The gRPC address of presence, room and notification by app id (e.g. for <c>NotificationService.Publish</c>).</summary>
    public IReadOnlyDictionary<string, string> GrpcAddresses => _grpcAddresses;

    /// <summary>The <c>Internal:ServiceKey</c> made for this run: a gRPC caller from outside signs its service token with it.</summary>
    public string ServiceKey => _serviceKey;

    public static Task<EmbeddedSuite> StartAsync(int edgePort, CancellationToken cancellationToken) =>
        StartAsync(edgePort, FreePort.Next, cancellationToken);

    /// <param name="pagesPath">The built demo and ops pages the edge serves (<see cref="BuiltPagesPath"/>); null = none.</param>
    public static Task<EmbeddedSuite> StartAsync(int edgePort, string? pagesPath, CancellationToken cancellationToken) =>
        StartAsync(edgePort, FreePort.Next, cancellationToken, pagesPath);

    /// <summary>
    /// Where clients/typescript's <c>npm run build</c> writes the pages in the checkout this suite
    /// was built from (clients/typescript/dist/www), recorded at build time.
    /// </summary>
    public static string? BuiltPagesPath =>
        typeof(EmbeddedSuite).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PagesPath")?.Value;

    /// <param name="internalPorts">Where the services' and sidecars' own ports come from (tests hand out taken ones).</param>
    internal static async Task<EmbeddedSuite> StartAsync(int edgePort, Func<int> internalPorts, CancellationToken cancellationToken, string? pagesPath = null)
    {
        // The internal ports are free when chosen but released until their server binds them. They
        // come from below the kernel's ephemeral range (FreePort, as the launcher's do), so no outgoing
        // connection can take one in between; another server binding one can: start again on fresh
        // ports then (the edge's port is the caller's and is never changed). Ports the kernel picked
        // (port 0) were in the ephemeral range, and a connect burst elsewhere on the machine took one
        // often enough that a clean start logged "address already in use" before its retry.
        for (var attempt = 1; ; attempt++)
        {
            var suite = new EmbeddedSuite(internalPorts) { EdgePort = edgePort, PagesPath = pagesPath };
            try
            {
                await suite.StartAllAsync(edgePort, cancellationToken);
                return suite;
            }
            catch (Exception ex) when (attempt < StartAttempts && TakenInternalPort(ex, edgePort))
            {
                await suite.DisposeAsync();
            }
            catch
            {
                await suite.DisposeAsync();
                throw;
            }
        }
    }

    // A sidecar: quiet below warnings, stopped by the suite rather than by the signals
    // (MemberLifetime), and called by its app in memory, its gRPC methods directly (InProcessServer).
    private static void AsMember(WebApplicationBuilder sidecar)
    {
        sidecar.Logging.SetMinimumLevel(LogLevel.Warning);
        sidecar.Services.AddSingleton<IHostLifetime, MemberLifetime>();
        InProcessServer.AddTo(sidecar.Services);
    }

    public async ValueTask DisposeAsync()
    {
        // Edges first (they drain and deregister), then the services, sidecars last of each pair.
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        _apps.Clear();
        foreach (var reservation in _inProcessAddresses)
        {
            reservation.Dispose();
        }

        _inProcessAddresses.Clear();
    }

    // Calls from the suite's services to this address stay in the process (InProcessServer).
    private void KeepInProcess(string address) => _inProcessAddresses.Add(InProcessEndpoints.Reserve(new Uri(address)));

    // A sidecar on the suite's bus and components, its gRPC address kept in the process.
    private SidecarOptions NewSidecar(string appId, int? appPort)
    {
        var sidecar = new SidecarOptions
        {
            AppId = appId,
            AppPort = appPort,
            GrpcPort = _freePort(),
            HttpPort = _freePort(),
            ResourcesPaths = [_components],
            SharedInMemoryBus = _bus,
        };
        KeepInProcess($"http://127.0.0.1:{sidecar.GrpcPort}");
        return sidecar;
    }

    /// <summary>
    /// A sidecar with no app on the suite's bus, as a business service beside the suite has: what it
    /// is given to publish reaches the suite's topics. Stopped with the suite.
    /// </summary>
    /// <param name="appPort">The app's HTTP port when it subscribes to topics (started before); null = it only publishes.</param>
    /// <returns>Its Dapr gRPC and HTTP ports, once it has read the app's subscriptions.</returns>
    public async Task<(int GrpcPort, int HttpPort)> StartAppSidecarAsync(string appId, int? appPort, CancellationToken cancellationToken)
    {
        var sidecar = NewSidecar(appId, appPort);
        var emulator = EmulatorHost.Build(sidecar, AsMember);
        await emulator.StartAsync(cancellationToken);
        _apps.Add(emulator);
        var readiness = emulator.Services.GetRequiredService<SidecarReadiness>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!readiness.Ready)
        {
            await Task.Delay(20, timeout.Token);
        }

        return (sidecar.GrpcPort, sidecar.HttpPort);
    }

    private async Task StartAllAsync(int edgePort, CancellationToken cancellationToken)
    {
        var presence = new ServicePorts(_freePort(), _freePort());
        var room = new ServicePorts(_freePort(), _freePort());
        var notification = new ServicePorts(_freePort(), _freePort());
        // The edge's sidecar calls it on its internal port; the caller's port is the public one.
        var edgeInternal = _freePort();
        _grpcAddresses["presence"] = presence.GrpcAddress;
        _grpcAddresses["room"] = room.GrpcAddress;
        _grpcAddresses["notification"] = notification.GrpcAddress;
        foreach (var address in _grpcAddresses.Values)
        {
            KeepInProcess(address);
        }

        await StartServiceAsync("presence", "Suite.Presence", Presence.PresenceApp.Build, GrpcService(presence), presence.Http, cancellationToken);
        await StartServiceAsync("room", "Suite.Room", Room.RoomApp.Build, GrpcService(room), room.Http, cancellationToken);
        await StartServiceAsync(
            "notification",
            "Suite.Notification",
            Notification.NotificationApp.Build,
            [.. GrpcService(notification), new("Notification:PresenceAddress", presence.GrpcAddress), new("Notification:RoomAddress", room.GrpcAddress)],
            notification.Http,
            cancellationToken);
        await StartServiceAsync(
            "edge-0",
            "Suite.Edge",
            Edge.EdgeApp.Build,
            [
                new("Urls", $"http://127.0.0.1:{edgePort}"),
                new("Edge:InternalUrl", $"http://127.0.0.1:{edgeInternal}"),
                new("Edge:EdgeId", "edge-0"),
                new("Edge:PresenceAddress", presence.GrpcAddress),
                new("Edge:RoomAddress", room.GrpcAddress),
                new("Edge:NotificationAddress", notification.GrpcAddress),
                new("Auth:SigningKey", DevelopmentSigningKey),
                .. PagesPath is null ? Array.Empty<KeyValuePair<string, string?>>() : [new("Edge:PagesPath", PagesPath)],
            ],
            edgeInternal,
            cancellationToken,
            servesGrpc: false);
    }

    private const int StartAttempts = 5;

    private static bool TakenInternalPort(Exception exception, int edgePort)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is Microsoft.AspNetCore.Connections.AddressInUseException
                || ex is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
            {
                return !exception.ToString().Contains($"127.0.0.1:{edgePort.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal);
            }
        }

        return false;
    }

    private static KeyValuePair<string, string?>[] GrpcService(ServicePorts ports) =>
    [
        new("Kestrel:Endpoints:Grpc:Url", ports.GrpcAddress),
        new("Kestrel:Endpoints:Grpc:Protocols", "Http2"),
        new("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{ports.Http}"),
        new("Kestrel:Endpoints:Http:Protocols", "Http1"),
    ];

    private async Task StartServiceAsync(
        string appId,
        string applicationName,
        Func<WebApplicationBuilder, WebApplication> build,
        IEnumerable<KeyValuePair<string, string?>> settings,
        int appPort,
        CancellationToken cancellationToken,
        bool servesGrpc = true)
    {
        var sidecar = NewSidecar(appId, appPort);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = applicationName,
            EnvironmentName = Environments.Development,
            ContentRootPath = AppContext.BaseDirectory,
        });
        foreach (var json in builder.Configuration.Sources.OfType<JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json);
        }

        builder.Configuration.AddInMemoryCollection(
        [
            .. settings,
            new("DAPR_GRPC_ENDPOINT", $"http://127.0.0.1:{sidecar.GrpcPort}"),
            new("DAPR_HTTP_ENDPOINT", $"http://127.0.0.1:{sidecar.HttpPort}"),
            new("Logging:LogLevel:Default", "Warning"),
            // Only this process polls the apps' /readyz (at start-up, every 20 ms until ready), and the
            // health check service logs each unready answer as an error: dozens of them per start.
            new("Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks", "Critical"),
            // The services authenticate each other's gRPC calls with a key made for this process.
            new("Internal:ServiceKey", _serviceKey),
        ]);
        builder.Services.AddSingleton<IHostLifetime, MemberLifetime>();
        if (servesGrpc)
        {
            // The other services' calls to it stay in memory; the edge serves no gRPC.
            InProcessServer.AddTo(builder.Services);
        }

        var app = build(builder);
        await app.StartAsync(cancellationToken);
        _apps.Add(app);
        _httpPorts[appId] = appPort;
        _sidecarHttpPorts[appId] = sidecar.HttpPort;
        _sidecarGrpcPorts[appId] = sidecar.GrpcPort;

        var emulator = EmulatorHost.Build(sidecar, AsMember);
        await emulator.StartAsync(cancellationToken);
        // Started after its app (it reads the app's subscriptions), stopped after it too: the app's
        // last state writes and its delivery streams need it until the app has stopped.
        _apps.Insert(_apps.IndexOf(app), emulator);

        // Ready means subscribed: nothing published after start is missed by this service.
        var readiness = emulator.Services.GetRequiredService<SidecarReadiness>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!readiness.Ready)
        {
            await Task.Delay(20, timeout.Token);
        }

        // And the app's own readiness: the edge opens its streaming subscriptions itself, which the
        // sidecar's readiness cannot see.
        using var http = new HttpClient();
        while (!await IsReadyAsync(http, appPort, timeout.Token))
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, int appPort, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{appPort.ToString(CultureInfo.InvariantCulture)}/readyz", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private sealed record ServicePorts(int Grpc, int Http)
    {
        public string GrpcAddress => $"http://127.0.0.1:{Grpc.ToString(CultureInfo.InvariantCulture)}";
    }
}
