using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;
using Suite.ServiceDefaults.InProcess;

namespace Suite.Embedded;

/// <summary>
/// An app's Kestrel server, unchanged, and beside it an in-memory server running the same app,
/// attached to each of Kestrel's addresses the suite reserved in <see cref="InProcessEndpoints"/>: the suite's
/// services and sidecars call each other through it without a socket or HTTP/2 framing, while
/// every caller from outside the process (a test's client, a business service's sidecar) still
/// reaches Kestrel. The request runs the app's whole pipeline and gRPC interceptors either way.
/// </summary>
internal sealed class InProcessServer(IServer kestrel, TestServer memory, IServiceProvider services) : IServer
{
    private readonly List<IDisposable> _attachments = [];

    public IFeatureCollection Features => kestrel.Features;

    /// <summary>
    /// Serves the app of <paramref name="services"/> in memory too (call before the app is built), and
    /// its unary and duplex-streaming gRPC methods directly, without the in-memory request, to the
    /// channels that ask for it (<see cref="InProcessMethods"/>, <see cref="InProcessEndpoints.CallInvokerFor"/>).
    /// </summary>
    public static void AddTo(IServiceCollection services)
    {
        var network = services.Last(d => d.ServiceType == typeof(IServer));
        services.Remove(network);
        services.AddSingleton<IServer>(sp => new InProcessServer(Create(network, sp), new TestServer(sp), sp));
    }

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        await ((IServer)memory).StartAsync(application, cancellationToken);
        await kestrel.StartAsync(application, cancellationToken);
        var methods = InProcessMethods.Of(services);
        foreach (var address in kestrel.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            // The direct methods before the in-memory server, so that no call finds the server
            // answering requests while its methods are not attached yet.
            _attachments.Add(InProcessEndpoints.AttachUnary(new Uri(address), methods.Unary));
            _attachments.Add(InProcessEndpoints.AttachDuplex(new Uri(address), methods.Duplex));
            _attachments.Add(InProcessEndpoints.Attach(new Uri(address), memory.CreateHandler()));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // New calls are refused from here on, as a stopping server's in a process of its own are.
        Detach();
        await kestrel.StopAsync(cancellationToken);
        await ((IServer)memory).StopAsync(cancellationToken);
    }

    public void Dispose()
    {
        Detach();
        kestrel.Dispose();
        memory.Dispose();
    }

    private void Detach()
    {
        foreach (var attachment in _attachments)
        {
            attachment.Dispose();
        }

        _attachments.Clear();
    }

    private static IServer Create(ServiceDescriptor descriptor, IServiceProvider services) =>
        descriptor.ImplementationInstance as IServer
        ?? descriptor.ImplementationFactory?.Invoke(services) as IServer
        ?? (IServer)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
}
