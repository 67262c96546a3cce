using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
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

    private const string ActivityPropagationSwitch = "System.Net.Http.EnableActivityPropagation";
    private const string ActivityPropagationVariable = "DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION";

    /// <summary>Whether traces are exported: <see cref="OtlpEndpointSetting"/> is set in configuration or the environment.</summary>
    public static bool TracingEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting] ?? Environment.GetEnvironmentVariable(OtlpEndpointSetting));

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
        if (TracingEnabled(builder.Configuration))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(MeterPrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
        else
        {
            KeepHttpClientsUntraced();
        }

        return builder;
    }

    // With nothing exported, HttpClient's DiagnosticsHandler would still start an Activity and write
    // trace headers on every outgoing call (each sidecar call included), and the receiver would parse
    // them. HttpClient reads this switch once, at its first request, so it is set here, before the
    // service sends any; an operator's explicit choice (runtimeconfig or environment) is kept.
    // ASP.NET Core's per-request Activity is left alone: hosting starts one whenever its
    // "Microsoft.AspNetCore.Hosting.Diagnostics" logger is enabled at all, and turning that category
    // off would also hide the host's start-up failures, which are logged there.
    private static void KeepHttpClientsUntraced()
    {
        if (!AppContext.TryGetSwitch(ActivityPropagationSwitch, out _) && Environment.GetEnvironmentVariable(ActivityPropagationVariable) is null)
        {
            AppContext.SetSwitch(ActivityPropagationSwitch, false);
        }
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
