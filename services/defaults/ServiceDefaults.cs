using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Suite.ServiceDefaults;

/// <summary>
/// What every suite service has: OpenTelemetry metrics, traces when an OTLP endpoint is configured,
/// /metrics, /healthz and /readyz.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this take part in /readyz only (e.g. "the edge is not draining").</summary>
    public const string ReadyTag = "ready";

    /// <summary>Activity sources of the suite's services start with this.</summary>
    public const string MeterPrefix = "Suite.";

    /// <summary>The OpenTelemetry setting (configuration or environment) that turns tracing on.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        var telemetry = builder.Services.AddOpenTelemetry()
            // The service's own meter only (named like the application, e.g. "Suite.Room"): in the
            // embedded suite four services share a process, and each /metrics must count only its own.
            .WithMetrics(metrics => metrics
                .AddMeter(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // A tracer provider listens to every ActivitySource it names, so each request and room message
        // (~15 activities) would be recorded even with nowhere to send them. Without an exporter
        // nothing listens, and ActivitySource.StartActivity returns null at no cost.
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting] ?? Environment.GetEnvironmentVariable(OtlpEndpointSetting)))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(MeterPrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }

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
