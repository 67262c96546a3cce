using Dapr.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Suite.Presence.Api;

/// <summary>Ready only while the Dapr sidecar answers: without it no call can succeed.</summary>
public sealed class SidecarHealthCheck(DaprClient dapr) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await dapr.CheckHealthAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Dapr sidecar not ready");
}
