using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Suite.ServiceDefaults.DaprSidecar;

/// <summary>Ready only while the Dapr sidecar answers: without it no state call or publish can succeed.</summary>
public sealed class SidecarHealthCheck(DaprClient dapr) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await dapr.CheckHealthAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Dapr sidecar not ready");

    /// <summary>Makes /readyz fail while the service's sidecar does not answer its health endpoint.</summary>
    public static void AddTo(IServiceCollection services)
    {
        // The sidecar's HTTP endpoint and API token as Dapr.AspNetCore's AddDaprClient finds them:
        // configuration first (the embedded suite sets them there, per service), then the environment.
        services.TryAddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            return new DaprClientBuilder()
                .UseHttpEndpoint(DaprDefaults.GetDefaultHttpEndpoint(configuration))
                .UseGrpcEndpoint(DaprDefaults.GetDefaultGrpcEndpoint(configuration))
                .UseDaprApiToken(DaprDefaults.GetDefaultDaprApiToken(configuration))
                .Build();
        });
        services.AddHealthChecks().AddCheck<SidecarHealthCheck>("dapr-sidecar", tags: [ServiceDefaults.ReadyTag]);
    }
}
