using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Suite.ServiceDefaults.Tracing;

namespace Suite.ServiceDefaults;

/// <summary>
/// What every suite service has: OpenTelemetry metrics, traces when an OTLP endpoint is configured,
/// /metrics, /healthz and /readyz.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this take part in /readyz only (e.g. "the edge is not draining").</summary>
    public const string ReadyTag = "ready";

    /// <summary>Meters and activity sources of the suite's services start with this (each is named like its application, e.g. Suite.Room).</summary>
    public const string MeterPrefix = "Suite.";

    /// <summary>The OpenTelemetry setting that names the service in traces; without it the application's name does.</summary>
    public const string ServiceNameSetting = "OTEL_SERVICE_NAME";

    /// <summary>The OpenTelemetry setting (configuration or environment) that turns tracing on.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private const string ActivityPropagationSwitch = "System.Net.Http.EnableActivityPropagation";
    private const string ActivityPropagationVariable = "DOTNET_SYSTEM_NET_HTTP_ENABLEACTIVITYPROPAGATION";

    /// <summary>Whether traces are exported: <see cref="OtlpEndpointSetting"/> is set in configuration or the environment.</summary>
    public static bool TracingEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting] ?? Environment.GetEnvironmentVariable(OtlpEndpointSetting));

    // ASP.NET Core's meters as AddAspNetCoreInstrumentation names them, but for
    // "Microsoft.AspNetCore.MemoryPool": since .NET 10 Kestrel records into it on every buffer it
    // rents or returns (each socket read, each HTTP/2 frame of every gRPC call), and a profile of the
    // embedded suite's fan-out put 2.8 % of its CPU there, more than the request metrics cost.
    private static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
    ];

    // A meter provider listens to meters by name, process-wide. In the embedded suite several hosts
    // share the process, so each service's /metrics also counted every other host's Kestrel
    // connections and requests (its sidecars' too), and each measurement was recorded once per
    // provider. Meters made by another host's factory are dropped; meters made without a factory
    // (the runtime's) are the process's and stay.
    private static MeterProviderBuilder OwnHostOnly(this MeterProviderBuilder metrics) =>
        ((IDeferredMeterProviderBuilder)metrics).Configure((services, provider) =>
        {
            var own = services.GetRequiredService<IMeterFactory>();
            provider.AddView(instrument => instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop : null);
        });

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ServiceTracing>();
        builder.Services.AddHealthChecks();
        var serviceName = builder.Environment.ApplicationName;
        var telemetry = builder.Services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME, when set, names the service; else the application does (Suite.Edge, ...).
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrEmpty(builder.Configuration[ServiceNameSetting] ?? Environment.GetEnvironmentVariable(ServiceNameSetting)))
                {
                    resource.AddService(serviceName, serviceInstanceId: Environment.GetEnvironmentVariable("POD_NAME"));
                }
            })
            // The service's own meter only (named like the application, e.g. "Suite.Room"): in the
            // embedded suite four services share a process, and each /metrics must count only its own.
            .WithMetrics(metrics => metrics
                .AddMeter(builder.Environment.ApplicationName)
                .AddMeter(AspNetCoreMeters)
                .AddRuntimeInstrumentation()
                .OwnHostOnly()
                .AddPrometheusExporter());

        // A tracer provider listens to every ActivitySource it names, so each request and room message
        // (~15 activities) would be recorded even with nowhere to send them. Without an exporter
        // nothing listens, and ActivitySource.StartActivity returns null at no cost.
        if (TracingEnabled(builder.Configuration))
        {
            // The service's own source only, like its meter: in the embedded suite four services
            // share a process, and each tracer provider must export only its own service's spans.
            telemetry.WithTracing(tracing => tracing
                .AddSource(serviceName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
        else
        {
            KeepHttpClientsUntraced();
        }

        // A Calls stream (room.proto, presence.proto) lasts as long as its caller: its server span
        // would end (and be exported) only then, and every call on it would be its child. Each call
        // gets a span of its own instead (CallStreamServer), continuing its caller's trace.
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(tracing =>
        {
            var other = tracing.Filter;
            tracing.Filter = context => !IsCallStream(context.Request.Path) && (other is null || other(context));
        });

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

    private static bool IsCallStream(PathString path) =>
        path.HasValue && path.Value.EndsWith("/Calls", StringComparison.Ordinal);

    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        // Liveness: the process answers. Readiness: every check tagged "ready" passes.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
