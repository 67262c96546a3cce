using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Suite.DaprEmulator.Hosting;
using Suite.LocalServers;

namespace Suite.Testing;

/// <summary>An emulator sidecar hosted in the test process on real loopback ports.</summary>
public sealed class Sidecar : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Sidecar(WebApplication app, SidecarOptions options)
    {
        _app = app;
        Options = options;
    }

    public SidecarOptions Options { get; }

    public string GrpcEndpoint => $"http://127.0.0.1:{Options.GrpcPort}";

    public string HttpEndpoint => $"http://127.0.0.1:{Options.HttpPort}";

    public static SidecarOptions OptionsFor(string appId, int? appPort, string resourcesPath) => new()
    {
        AppId = appId,
        AppPort = appPort,
        GrpcPort = FreePort.Next(),
        HttpPort = FreePort.Next(),
        ResourcesPaths = [resourcesPath],
    };

    public static async Task<Sidecar> StartAsync(SidecarOptions options, CancellationToken cancellationToken)
    {
        var app = EmulatorHost.Build(options, builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(cancellationToken);
        return new Sidecar(app, options);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
