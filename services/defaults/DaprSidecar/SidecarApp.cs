using Dapr;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Suite.ServiceDefaults.DaprSidecar;

public static class SidecarApp
{
    /// <summary>
    /// Registers the service's one <see cref="SidecarClient"/>, on the sidecar and with the API token
    /// DaprClient would use (configuration, then environment: DAPR_GRPC_ENDPOINT, else
    /// DAPR_GRPC_PORT on localhost, default 50001; DAPR_API_TOKEN sent as dapr-api-token if set).
    /// <paramref name="channel"/> replaces the channel options, as DaprClientBuilder.UseGrpcChannelOptions
    /// does; without it they are the SDK's defaults.
    /// </summary>
    public static IServiceCollection AddSidecar(this IServiceCollection services, GrpcChannelOptions? channel = null)
    {
        services.TryAddSingleton(sp => Create(sp.GetRequiredService<IConfiguration>(), channel));
        return services;
    }

    /// <summary>A client for the sidecar that <paramref name="configuration"/> names.</summary>
    public static SidecarClient Create(IConfiguration configuration, GrpcChannelOptions? channel = null)
    {
        var endpoint = DaprDefaults.GetDefaultGrpcEndpoint(configuration);
        var address = new Uri(endpoint);
        if (address.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException("The gRPC endpoint must use http or https.");
        }

        // What DaprClientBuilder starts from when not given options.
        var options = channel ?? new GrpcChannelOptions { ThrowOperationCanceledOnCancellation = true };
        // In the embedded suite the sidecar runs in this process and takes the calls in memory.
        options.HttpHandler = InProcess.InProcessEndpoints.HandlerOr(address, () =>
        {
            var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
            if (!ServiceDefaults.TracingEnabled(configuration))
            {
                // Without a propagator the handler has no DiagnosticsHandler: no Activity per call and no
                // trace headers, whatever the process-wide switch says (ServiceDefaults sets that too).
                handler.ActivityHeadersPropagator = null;
            }

            return handler;
        });
        options.DisposeHttpClient = true;
        var grpc = GrpcChannel.ForAddress(endpoint, options);
        var invoker = InProcess.InProcessEndpoints.CallInvokerFor(address, grpc, options);
        return new SidecarClient(grpc, DaprDefaults.GetDefaultDaprApiToken(configuration), invoker);
    }
}
