using Dapr;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Suite.ServiceDefaults.InProcess;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.ServiceDefaults.DaprSidecar;

/// <summary>
/// A Dapr client for long-lived streams to the sidecar a configuration names (the
/// SDK's own resolution, as <see cref="SidecarApp"/>'s), with the API token to send on each.
/// HTTP/2 pings find a sidecar that vanished without closing the connection, which would otherwise
/// look like a quiet topic forever. A sidecar in this process takes the streams straight into its
/// method (<see cref="InProcessEndpoints"/>).
/// </summary>
public sealed class SidecarStreams : IDisposable
{
    private readonly GrpcChannel _channel;

    public SidecarStreams(IConfiguration configuration)
    {
        Endpoint = DaprDefaults.GetDefaultGrpcEndpoint(configuration);
        Headers = SidecarClient.ApiTokenHeaders(DaprDefaults.GetDefaultDaprApiToken(configuration));
        var address = new Uri(Endpoint);
        var options = new GrpcChannelOptions
        {
            HttpHandler = InProcessEndpoints.HandlerOr(
                address,
                () => new SocketsHttpHandler { KeepAlivePingDelay = TimeSpan.FromSeconds(20), KeepAlivePingTimeout = TimeSpan.FromSeconds(10) }),
        };
        _channel = GrpcChannel.ForAddress(Endpoint, options);
        Client = new DaprGrpc.DaprClient(InProcessEndpoints.CallInvokerFor(address, _channel, options));
    }

    public DaprGrpc.DaprClient Client { get; }

    /// <summary>The sidecar's address.</summary>
    public string Endpoint { get; }

    /// <summary><c>dapr-api-token</c> when one is set, else none.</summary>
    public Metadata? Headers { get; }

    public void Dispose() => _channel.Dispose();
}
