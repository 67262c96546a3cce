using System.Globalization;
using Suite.LocalServers;

namespace Suite.Launcher;

/// <summary>
/// The suite as separate processes: presence, M room replicas, notification and N edges, each beside
/// its own emulator sidecar, all over the broker the components folder names. Used by the launcher's
/// command line and by the end-to-end tests, so both run exactly the same topology.
/// </summary>
public sealed class SuiteTopology : IAsyncDisposable
{
    private const string AppApiTokenVariable = "APP_API_TOKEN";
    private const string DaprApiTokenVariable = "DAPR_API_TOKEN";

    private readonly List<RunningService> _services = [];
    private readonly Dictionary<RunningService, Launch> _launches = [];
    private readonly string _resources;

    private SuiteTopology(string resources) => _resources = resources;

    public RunningService Presence => Find("presence");

    /// <summary>The first room replica.</summary>
    public RunningService Room => Rooms[0];

    /// <summary>Every room replica, in start order; all share the app id <c>room</c>.</summary>
    public IReadOnlyList<RunningService> Rooms => _services.Where(s => s.AppId == SuiteService.Room.AppId).ToList();

    public RunningService Notification => Find("notification");

    public IReadOnlyList<RunningService> Edges => _services.Where(s => s.Service.Folder == "edge").ToList();

    public IReadOnlyList<RunningService> All => _services;

    public string ResourcesPath => _resources;

    public Uri WebSocketUri(int edge) => new($"ws://127.0.0.1:{Edges[edge].HttpPort}/ws");

    public static async Task<SuiteTopology> StartAsync(TopologyOptions options, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Rooms, 1);
        var topology = new SuiteTopology(ComponentsCopy.Prepare(options));
        try
        {
            await ComponentsCopy.CreateStreamsIfJetStreamAsync(topology._resources, cancellationToken);
            var presence = await topology.StartAsync(SuiteService.Presence, options, [], cancellationToken);
            var rooms = new List<RunningService>();
            for (var i = 0; i < options.Rooms; i++)
            {
                var grpc = FreePort.Next();
                rooms.Add(await topology.StartAsync(SuiteService.Room, options, [.. Upstream("Room", presence), new("Rooms__AdvertisedAddress", $"http://127.0.0.1:{grpc}")], cancellationToken, grpcPort: grpc));
            }

            var notification = await topology.StartAsync(SuiteService.Notification, options, [.. Upstream("Notification", presence), new("Notification__RoomAddress", RoomAddresses(rooms, first: 0))], cancellationToken);
            for (var i = 0; i < options.Edges; i++)
            {
                var port = i < options.EdgePorts.Count ? options.EdgePorts[i] : FreePort.Next();
                var internalPort = FreePort.Next();
                await topology.StartAsync(SuiteService.Edge(i), options, EdgeSettings(i, port, internalPort, presence, rooms, notification, options), cancellationToken, port, appPort: internalPort);
            }

            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a service again (after <see cref="RunningService.KillAsync"/>, or stops it first) with the
    /// same ports and settings, as a pod restarted in place; the new one takes the old one's place in
    /// <see cref="All"/> and the lists, so whoever knew the old address reaches the new process.
    /// </summary>
    public async Task<RunningService> RestartAsync(RunningService service, CancellationToken cancellationToken)
    {
        var launch = _launches[service];
        var index = _services.IndexOf(service);
        await service.DisposeAsync();
        var running = await LaunchAsync(launch, cancellationToken);
        _services[index] = running;
        _launches.Remove(service);
        _launches[running] = launch;
        await SidecarHealth.WaitUntilReadyAsync(launch.SidecarHttp, TimeSpan.FromSeconds(60), running, cancellationToken);
        return running;
    }

    /// <summary>
    /// Starts a service's own process again (after <see cref="RunningService.KillAppAsync"/>) beside
    /// the sidecar that kept running, as a crashed app container restarted in its pod: same ports and
    /// settings; the new one takes the old one's place in <see cref="All"/> and the lists.
    /// </summary>
    public async Task<RunningService> RestartAppAsync(RunningService service, CancellationToken cancellationToken)
    {
        var launch = _launches[service];
        var index = _services.IndexOf(service);
        await service.KillAppAsync();
        var running = service.WithApp(await StartAppAsync(launch, cancellationToken));
        _services[index] = running;
        _launches.Remove(service);
        _launches[running] = launch;
        return running;
    }

    public async ValueTask DisposeAsync()
    {
        // Edges first, as a rolling shutdown would, so services are still there when edges deregister.
        foreach (var service in Enumerable.Reverse(_services))
        {
            await service.DisposeAsync();
        }

        _services.Clear();
        _launches.Clear();
        Directory.Delete(_resources, recursive: true);
    }

    private static IEnumerable<KeyValuePair<string, string>> Upstream(string section, RunningService presence) =>
        [new($"{section}__PresenceAddress", presence.GrpcAddress)];

    /// <summary>Every room replica's address, comma-separated, starting with replica <paramref name="first"/> and going round.</summary>
    private static string RoomAddresses(IReadOnlyList<RunningService> rooms, int first) =>
        string.Join(',', rooms.Select((_, i) => rooms[(first + i) % rooms.Count].GrpcAddress));

    // Edge i prefers room replica i mod N, so the edges spread over the replicas and each fails over to the rest.
    private static IEnumerable<KeyValuePair<string, string>> EdgeSettings(int ordinal, int port, int internalPort, RunningService presence, IReadOnlyList<RunningService> rooms, RunningService notification, TopologyOptions options) =>
    [
        new("Urls", $"http://127.0.0.1:{port}"),
        new("Edge__InternalUrl", $"http://127.0.0.1:{internalPort}"),
        new("Edge__EdgeId", $"edge-{ordinal}"),
        new("Edge__PresenceAddress", presence.GrpcAddress),
        new("Edge__RoomAddress", RoomAddresses(rooms, first: ordinal % rooms.Count)),
        new("Edge__NotificationAddress", notification.GrpcAddress),
        new("Auth__SigningKey", options.SigningKey),
    ];

    private async Task<RunningService> StartAsync(
        SuiteService service,
        TopologyOptions options,
        IEnumerable<KeyValuePair<string, string>> settings,
        CancellationToken cancellationToken,
        int? httpPort = null,
        int? grpcPort = null,
        int? appPort = null)
    {
        var http = httpPort ?? FreePort.Next();
        int? grpc = service.HasGrpcEndpoint ? grpcPort ?? FreePort.Next() : null;
        var sidecarGrpc = FreePort.Next();
        var sidecarHttp = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DAPR_GRPC_PORT"] = sidecarGrpc.ToString(CultureInfo.InvariantCulture),
            ["DAPR_HTTP_PORT"] = sidecarHttp.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (grpc is { } listen)
        {
            environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{listen}";
            environment["Kestrel__Endpoints__Grpc__Protocols"] = "Http2";
            environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
            environment["Kestrel__Endpoints__Http__Protocols"] = "Http1";
        }

        if (options.ServiceKey is { } serviceKey)
        {
            environment["Internal__ServiceKey"] = serviceKey;
        }

        foreach (var (key, value) in ApiTokens(options).Concat(settings).Concat(options.Settings))
        {
            environment[key] = value;
        }

        // A second room replica has the same app id as the first: its logs are room-1.log and so on.
        var sameAppId = _launches.Values.Count(l => l.Service.AppId == service.AppId);
        var logName = sameAppId == 0 ? service.AppId : $"{service.AppId}-{sameAppId}";
        var launch = new Launch(service, options, environment, http, grpc, sidecarGrpc, sidecarHttp, appPort ?? http, logName);
        var running = await LaunchAsync(launch, cancellationToken);
        _services.Add(running);
        _launches[running] = launch;
        await SidecarHealth.WaitUntilReadyAsync(sidecarHttp, TimeSpan.FromSeconds(60), running, cancellationToken);
        return running;
    }

    private async Task<RunningService> LaunchAsync(Launch launch, CancellationToken cancellationToken)
    {
        var (service, options) = (launch.Service, launch.Options);
        var app = await StartAppAsync(launch, cancellationToken);
        ExternalServer sidecar;
        try
        {
            sidecar = await ExternalServer.StartAsync(
                "dotnet",
                [
                    Output(options, "dapr-emulator", "Suite.DaprEmulator"),
                    "--app-id", service.AppId, "--app-port", launch.AppPort.ToString(CultureInfo.InvariantCulture),
                    "--dapr-grpc-port", launch.SidecarGrpc.ToString(CultureInfo.InvariantCulture),
                    "--dapr-http-port", launch.SidecarHttp.ToString(CultureInfo.InvariantCulture),
                    "--resources-path", _resources,
                ],
                launch.SidecarHttp,
                TimeSpan.FromSeconds(60),
                SidecarEnvironment(options),
                cancellationToken,
                logFile: LogFile(options, launch.LogName + "-sidecar"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new RunningService(service, app, sidecar, launch.Http, launch.GrpcPort, launch.SidecarGrpc, launch.SidecarHttp, launch.AppPort);
    }

    private static Dictionary<string, string> SidecarEnvironment(TopologyOptions options) =>
        new([new("Logging__LogLevel__Default", "Warning"), .. ApiTokens(options)]);

    // The same variables for a service and its sidecar: the sidecar signs its calls to the app with
    // APP_API_TOKEN and requires DAPR_API_TOKEN on the app's calls to it; the service checks one and sends the other.
    private static IEnumerable<KeyValuePair<string, string>> ApiTokens(TopologyOptions options)
    {
        if (options.AppApiToken is { } appToken)
        {
            yield return new(AppApiTokenVariable, appToken);
        }

        if (options.DaprApiToken is { } daprToken)
        {
            yield return new(DaprApiTokenVariable, daprToken);
        }
    }

    private static async Task<ExternalServer> StartAppAsync(Launch launch, CancellationToken cancellationToken)
    {
        // Run from its own output folder, so the service reads its own appsettings.json.
        var assembly = Output(launch.Options, launch.Service.Folder, launch.Service.Assembly);
        return await ExternalServer.StartAsync(
            "dotnet",
            [assembly],
            launch.Http,
            TimeSpan.FromSeconds(60),
            launch.Environment,
            cancellationToken,
            Path.GetDirectoryName(assembly),
            logFile: LogFile(launch.Options, launch.LogName));
    }

    private static string? LogFile(TopologyOptions options, string name) =>
        options.LogsFolder is { } folder ? Path.Combine(Directory.CreateDirectory(folder).FullName, name + ".log") : null;

    private static string Output(TopologyOptions options, string folder, string assembly)
    {
        var path = Path.Combine(options.RepositoryRoot, "services", folder, "bin", options.Configuration, "net10.0", assembly + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing; build the solution in {options.Configuration} first (dotnet build -c {options.Configuration})", path);
    }

    private RunningService Find(string appId) => _services.Single(s => s.AppId == appId);

    /// <summary>How a service was started, so it can be started again the same way.</summary>
    private sealed record Launch(SuiteService Service, TopologyOptions Options, Dictionary<string, string> Environment, int Http, int? GrpcPort, int SidecarGrpc, int SidecarHttp, int AppPort, string LogName);
}
