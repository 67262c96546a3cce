using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Suite.ServiceDefaults;

/// <summary>What every suite service has: OpenTelemetry metrics and traces, /metrics, /healthz and /readyz.</summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this take part in /readyz only (e.g. "the edge is not draining").</summary>
    public const string ReadyTag = "ready";

    /// <summary>Activity sources of the suite's services start with this.</summary>
    public const string MeterPrefix = "Suite.";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenTelemetry()
            // The service's own meter only (named like the application, e.g. "Suite.Room"): in the
            // embedded suite four services share a process, and each /metrics must count only its own.
            .WithMetrics(metrics => metrics
                .AddMeter(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(MeterPrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        return builder;
    }

    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        // Liveness: the process answers. Readiness: every check tagged "ready" passes.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
