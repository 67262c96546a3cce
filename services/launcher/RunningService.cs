using Suite.LocalServers;

namespace Suite.Launcher;

/// <summary>A service process and its emulator sidecar process.</summary>
public sealed class RunningService(SuiteService service, ExternalServer app, ExternalServer sidecar, int httpPort, int? grpcPort, int sidecarGrpcPort, int sidecarHttpPort, int appPort) : IAsyncDisposable
{
    public SuiteService Service { get; } = service;

    public string AppId => Service.AppId;

    public int HttpPort { get; } = httpPort;

    public int? GrpcPort { get; } = grpcPort;

    /// <summary>Where the sidecar calls the app (Dapr callbacks): the HTTP port, or the edge's internal port.</summary>
    public int AppPort { get; } = appPort;

    public int SidecarGrpcPort { get; } = sidecarGrpcPort;

    /// <summary>The sidecar's Dapr HTTP API, where a business service publishes (e.g. to <c>notifications</c>).</summary>
    public int SidecarHttpPort { get; } = sidecarHttpPort;

    /// <summary>The service's own process (not its sidecar's), for resource figures.</summary>
    public int ProcessId => app.ProcessId;

    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort ?? HttpPort}";

    public string Output => $"--- {AppId} ---\n{app.Output}\n--- {AppId} sidecar ---\n{sidecar.Output}";

    /// <summary>Kills the service and its sidecar without warning, as a node failure would.</summary>
    public async Task KillAsync()
    {
        await app.KillAsync();
        await sidecar.KillAsync();
    }

    /// <summary>Kills the service's own process (SIGKILL), leaving its sidecar running, as a crashed app container in a live pod.</summary>
    public Task KillAppAsync() => app.KillAsync();

    /// <summary>Freezes the service's own process (SIGSTOP): connections stay open and nothing answers.</summary>
    public Task PauseAppAsync() => app.PauseAsync();

    /// <summary>Lets a frozen service go on (SIGCONT).</summary>
    public Task ResumeAppAsync() => app.ResumeAsync();

    /// <summary>The same service with a new process of its own beside the same sidecar.</summary>
    internal RunningService WithApp(ExternalServer restarted) =>
        new(Service, restarted, sidecar, HttpPort, GrpcPort, SidecarGrpcPort, SidecarHttpPort, AppPort);

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        await sidecar.DisposeAsync();
    }
}
