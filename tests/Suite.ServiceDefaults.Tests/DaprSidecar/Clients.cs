using Microsoft.Extensions.Configuration;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.Tests.DaprSidecar;

/// <summary>SidecarClients configured as a service's would be, through configuration rather than the environment.</summary>
public static class Clients
{
    public static SidecarClient For(string grpcEndpoint, string? otlpEndpoint = null, string? apiToken = null) =>
        SidecarApp.Create(Configuration(grpcEndpoint, otlpEndpoint, apiToken));

    public static IConfiguration Configuration(string grpcEndpoint, string? otlpEndpoint = null, string? apiToken = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_GRPC_ENDPOINT"] = grpcEndpoint,
            // Set either way, so the test runner's environment cannot decide.
            [ServiceDefaults.OtlpEndpointSetting] = otlpEndpoint ?? "",
            ["DAPR_API_TOKEN"] = apiToken ?? "",
        }).Build();
}
