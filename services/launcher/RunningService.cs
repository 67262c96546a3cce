using Suite.Testing;

namespace Suite.Launcher;

/// <summary>A service process and its emulator sidecar process.</summary>
public sealed class RunningService(SuiteService service, ExternalServer app, ExternalServer sidecar, int httpPort, int? grpcPort, int sidecarGrpcPort) : IAsyncDisposable
{
    public SuiteService Service { get; } = service;

    public string AppId => Service.AppId;

    public int HttpPort { get; } = httpPort;

    public int? GrpcPort { get; } = grpcPort;

    public int SidecarGrpcPort { get; } = sidecarGrpcPort;

    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort ?? HttpPort}";

    public string Output => $"--- {AppId} ---\n{app.Output}\n--- {AppId} sidecar ---\n{sidecar.Output}";

    /// <summary>Kills the service and its sidecar without warning, as a node failure would.</summary>
    public async Task KillAsync()
    {
        await app.KillAsync();
        await sidecar.KillAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        await sidecar.DisposeAsync();
    }
}
