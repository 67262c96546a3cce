using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Suite.Edge.Connections;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.Edge.Surfaces;

/// <summary>
/// The edge's two surfaces. The public port (Urls, ASPNETCORE_URLS, HTTP_PORTS, as before) serves
/// clients: <c>/ws</c>, health, <c>/metrics</c> and, in Development, <c>/dev/token</c>. The internal
/// port (<see cref="EdgeOptions.InternalUrl"/>, loopback by default) serves the Dapr sidecar: the
/// <c>/dapr/*</c> callbacks, health and <c>/metrics</c>. Each refuses the other's routes with 404, so a
/// client that reaches <c>/ws</c> cannot POST a delivery (an <c>everyone</c> broadcast) to the edge.
/// </summary>
/// <remarks>
/// A request's surface is the local port its connection arrived on, never its Host header, which the
/// caller writes. The internal address is added to the addresses the host binds after it has read
/// the public ones, so every way of setting those keeps working; with Kestrel endpoints configured
/// (<c>Kestrel:Endpoints</c>) the operator declares the internal one there too, and the edge refuses
/// to start when nothing listens on it.
/// </remarks>
public static class InternalPort
{
    /// <summary>Where Kestrel listens when nothing else is configured.</summary>
    private const string KestrelDefaultAddress = "http://localhost:5000";

    public const string InvalidUrlMessage = "Edge:InternalUrl must be an http:// address with a port from 1 to 65535 and no path, e.g. http://127.0.0.1:5110";

    /// <summary>The port of an internal address, or null when it is not one (https belongs to the public side: the sidecar calls the app over plain HTTP).</summary>
    public static int? PortOf(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        try
        {
            var address = BindingAddress.Parse(url);
            return address.Scheme == Uri.UriSchemeHttp && !address.IsUnixPipe && address.PathBase.Length == 0 && address.Port is > 0 and <= 65535
                ? address.Port
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static int? PortOfAddress(string address)
    {
        try
        {
            return BindingAddress.Parse(address).Port;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static IHostApplicationBuilder AddInternalPort(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IStartupFilter, ListenOnInternalPort>();
        builder.Services.AddHostedService<InternalPortCheck>();
        return builder;
    }

    /// <summary>Refuses each surface's foreign routes with 404; first in the pipeline.</summary>
    public static IApplicationBuilder UseSurfaces(this IApplicationBuilder app)
    {
        var port = app.ApplicationServices.GetRequiredService<IOptions<EdgeOptions>>().Value.InternalPort;

        // Not async on the way through: a WebSocket request served here lives as long as its connection.
        return app.Use(next => context => IsForeign(context, port) ? NotFound(context) : next(context));
    }

    /// <summary>True when a request arrived on the internal port (<paramref name="localPort"/> is the connection's).</summary>
    public static bool IsInternal(int localPort, int internalPort) => localPort == internalPort;

    private static bool IsForeign(HttpContext context, int internalPort) =>
        IsInternal(context.Connection.LocalPort, internalPort)
            ? ConnectionEndpoints.IsWebSocketPath(context.Request.Path)
            : AppApiToken.IsCallback(context.Request.Path);

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    // Runs after the host has put the configured public addresses on the server and before it binds them.
    private sealed class ListenOnInternalPort(IOptions<EdgeOptions> options, IConfiguration configuration) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var addresses = app.ServerFeatures.Get<IServerAddressesFeature>()?.Addresses;
            if (addresses is { IsReadOnly: false } && !configuration.GetSection("Kestrel:Endpoints").Exists())
            {
                if (addresses.Count == 0)
                {
                    // Adding an address turns Kestrel's own default off; keep it as the public port.
                    addresses.Add(KestrelDefaultAddress);
                }

                // An operator (or tye) that listed the internal port among the addresses already has it.
                var port = options.Value.InternalPort;
                if (!addresses.Any(a => PortOfAddress(a) == port))
                {
                    addresses.Add(options.Value.InternalUrl);
                }
            }

            next(app);
        };
    }

    // Without a listener on the internal port the sidecar could not deliver anything: fail the start.
    private sealed class InternalPortCheck(IServer server, IOptions<EdgeOptions> options) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            var port = options.Value.InternalPort;
            // A server without addresses (the test server) has no ports to check.
            if (addresses is not { Count: > 0 } || addresses.Any(a => PortOfAddress(a) == port))
            {
                return Task.CompletedTask;
            }

            throw new InvalidOperationException(
                $"Edge:InternalUrl {options.Value.InternalUrl} is not among the addresses the edge listens on ({string.Join(", ", addresses)}); with Kestrel endpoints configured, declare one for it");
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
