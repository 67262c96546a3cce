using System.Globalization;
using Suite.Testing;

namespace Suite.Launcher;

/// <summary>
/// The suite as separate processes: presence, room, notification and N edges, each beside its own
/// emulator sidecar, all over the broker the components folder names. Used by the launcher's
/// command line and by the end-to-end tests, so both run exactly the same topology.
/// </summary>
public sealed class SuiteTopology : IAsyncDisposable
{
    private readonly List<RunningService> _services = [];
    private readonly string _resources;

    private SuiteTopology(string resources) => _resources = resources;

    public RunningService Presence => Find("presence");

    public RunningService Room => Find("room");

    public RunningService Notification => Find("notification");

    public IReadOnlyList<RunningService> Edges => _services.Where(s => s.Service.Folder == "edge").ToList();

    public IReadOnlyList<RunningService> All => _services;

    public string ResourcesPath => _resources;

    public Uri WebSocketUri(int edge) => new($"ws://127.0.0.1:{Edges[edge].HttpPort}/ws");

    public static async Task<SuiteTopology> StartAsync(TopologyOptions options, CancellationToken cancellationToken)
    {
        var topology = new SuiteTopology(ComponentsCopy.Prepare(options));
        try
        {
            await ComponentsCopy.CreateStreamsIfJetStreamAsync(topology._resources, cancellationToken);
            var presence = await topology.StartAsync(SuiteService.Presence, options, _ => [], cancellationToken);
            var room = await topology.StartAsync(SuiteService.Room, options, _ => Upstream("Room", presence), cancellationToken);
            await topology.StartAsync(SuiteService.Notification, options, _ => [.. Upstream("Notification", presence), .. RoomAddress("Notification", room)], cancellationToken);
            for (var i = 0; i < options.Edges; i++)
            {
                var port = i < options.EdgePorts.Count ? options.EdgePorts[i] : FreePort.Next();
                await topology.StartAsync(SuiteService.Edge(i), options, _ => EdgeSettings(i, port, presence, room, options), cancellationToken, port);
            }

            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Edges first, as a rolling shutdown would, so services are still there when edges deregister.
        foreach (var service in Enumerable.Reverse(_services))
        {
            await service.DisposeAsync();
        }

        _services.Clear();
        Directory.Delete(_resources, recursive: true);
    }

    private static IEnumerable<KeyValuePair<string, string>> Upstream(string section, RunningService presence) =>
        [new($"{section}__PresenceAddress", presence.GrpcAddress)];

    private static IEnumerable<KeyValuePair<string, string>> RoomAddress(string section, RunningService room) =>
        [new($"{section}__RoomAddress", room.GrpcAddress)];

    private static IEnumerable<KeyValuePair<string, string>> EdgeSettings(int ordinal, int port, RunningService presence, RunningService room, TopologyOptions options) =>
    [
        new("Urls", $"http://127.0.0.1:{port}"),
        new("Edge__EdgeId", $"edge-{ordinal}"),
        new("Edge__PresenceAddress", presence.GrpcAddress),
        new("Edge__RoomAddress", room.GrpcAddress),
        new("Auth__SigningKey", options.SigningKey),
    ];

    private async Task<RunningService> StartAsync(
        SuiteService service,
        TopologyOptions options,
        Func<SuiteService, IEnumerable<KeyValuePair<string, string>>> settings,
        CancellationToken cancellationToken,
        int? httpPort = null)
    {
        var http = httpPort ?? FreePort.Next();
        int? grpc = service.HasGrpcEndpoint ? FreePort.Next() : null;
        var sidecarGrpc = FreePort.Next();
        var sidecarHttp = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DAPR_GRPC_PORT"] = sidecarGrpc.ToString(CultureInfo.InvariantCulture),
            ["DAPR_HTTP_PORT"] = sidecarHttp.ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (grpc is { } grpcPort)
        {
            environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}";
            environment["Kestrel__Endpoints__Grpc__Protocols"] = "Http2";
            environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
            environment["Kestrel__Endpoints__Http__Protocols"] = "Http1";
        }

        foreach (var (key, value) in settings(service).Concat(options.Settings))
        {
            environment[key] = value;
        }

        // Run from its own output folder, so the service reads its own appsettings.json.
        var assembly = Output(options, service.Folder, service.Assembly);
        var app = await ExternalServer.StartAsync(
            "dotnet",
            [assembly],
            http,
            TimeSpan.FromSeconds(60),
            environment,
            cancellationToken,
            Path.GetDirectoryName(assembly));
        ExternalServer sidecar;
        try
        {
            sidecar = await ExternalServer.StartAsync(
                "dotnet",
                [
                    Output(options, "dapr-emulator", "Suite.DaprEmulator"),
                    "--app-id", service.AppId, "--app-port", http.ToString(CultureInfo.InvariantCulture),
                    "--dapr-grpc-port", sidecarGrpc.ToString(CultureInfo.InvariantCulture),
                    "--dapr-http-port", sidecarHttp.ToString(CultureInfo.InvariantCulture),
                    "--resources-path", _resources,
                ],
                sidecarHttp,
                TimeSpan.FromSeconds(60),
                new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" },
                cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var running = new RunningService(service, app, sidecar, http, grpc, sidecarGrpc, sidecarHttp);
        _services.Add(running);
        await SidecarHealth.WaitUntilReadyAsync(sidecarHttp, TimeSpan.FromSeconds(60), running, cancellationToken);
        return running;
    }

    private static string Output(TopologyOptions options, string folder, string assembly)
    {
        var path = Path.Combine(options.RepositoryRoot, "services", folder, "bin", options.Configuration, "net10.0", assembly + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing; build the solution in {options.Configuration} first (dotnet build -c {options.Configuration})", path);
    }

    private RunningService Find(string appId) => _services.Single(s => s.AppId == appId);
}
