using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.Hosting;

/// <summary>Connects every component before the sidecar serves calls; a failure stops the start, as in daprd.</summary>
public sealed class ComponentStartup(ComponentRegistry components, SidecarReadiness readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await components.InitAsync(cancellationToken);
        readiness.MarkOutboundReady();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
