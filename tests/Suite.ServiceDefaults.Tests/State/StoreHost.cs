using Dapr.Client;
using Suite.ServiceDefaults.DaprSidecar;
using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.Tests.DaprSidecar;
using Suite.Testing;

namespace Suite.ServiceDefaults.Tests.State;

/// <summary>An emulator sidecar over one state component, a DaprClient and a <see cref="SidecarClient"/> to it, and a <see cref="StateStore"/> over the latter.</summary>
public sealed class StoreHost : IAsyncDisposable
{
    private readonly ResourcesFolder _resources;
    private readonly Sidecar _sidecar;

    private StoreHost(ResourcesFolder resources, Sidecar sidecar, DaprClient dapr)
    {
        _resources = resources;
        _sidecar = sidecar;
        Dapr = dapr;
        Client = Clients.For(sidecar.GrpcEndpoint);
    }

    public DaprClient Dapr { get; }

    public SidecarClient Client { get; }

    public static async Task<StoreHost> StartAsync(string stateYaml, CancellationToken cancellationToken)
    {
        var resources = new ResourcesFolder(("statestore.yaml", stateYaml));
        var sidecar = await Sidecar.StartAsync(Sidecar.OptionsFor("state-" + Guid.NewGuid().ToString("N")[..8], null, resources.Path), cancellationToken);
        var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint).Build();
        await Eventually.UntilAsync(() => dapr.CheckOutboundHealthAsync(cancellationToken), up => up, TimeSpan.FromSeconds(15), cancellationToken, "the sidecar's components are up");
        return new StoreHost(resources, sidecar, dapr);
    }

    public StateStore Store(StateStoreLimits? limits = null) => new(Client, limits ?? new StateStoreLimits());

    /// <summary>A SidecarClient that counts the ExecuteStateTransaction requests it sends.</summary>
    public CountingSidecarClient CountingClient() => new(_sidecar.GrpcEndpoint);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Dapr.Dispose();
        await _sidecar.DisposeAsync();
        _resources.Dispose();
    }
}
