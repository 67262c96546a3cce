using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Suite.ServiceDefaults;

namespace Suite.Edge.Tests.Telemetry;

// ActivitySource listeners are process-wide, so a host with tracing on would make activities in
// every other test's host too: this collection runs alone.
[CollectionDefinition(nameof(TracingTests), DisableParallelization = true)]
public sealed class TracingCollection;

[Collection(nameof(TracingTests))]
public sealed class TracingTests
{
    private static readonly ActivitySource SuiteSource = new(ServiceDefaults.ServiceDefaults.MeterPrefix + "Edge.Tests");

    // Same name as ASP.NET Core's hosting source; listeners choose sources by name.
    private static readonly ActivitySource AspNetCoreSource = new("Microsoft.AspNetCore");

    [Fact]
    public async Task Without_an_otlp_endpoint_no_activity_is_recorded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await StartAsync(endpoint: null, ct);

        var traced = await app.GetTestClient().GetStringAsync("/traced", ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal("request:False suite:False", traced);
        Assert.False(SuiteSource.HasListeners());
        Assert.False(AspNetCoreSource.HasListeners());
    }

    [Fact]
    public async Task With_an_otlp_endpoint_requests_and_suite_sources_are_traced()
    {
        var ct = TestContext.Current.CancellationToken;
        // Nothing listens there: the exporter's failures are its own and do not reach the request.
        await using var app = await StartAsync(endpoint: "http://127.0.0.1:1", ct);

        var traced = await app.GetTestClient().GetStringAsync("/traced", ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.Equal("request:True suite:True", traced);
        Assert.True(SuiteSource.HasListeners());
        Assert.True(AspNetCoreSource.HasListeners());
    }

    private static async Task<WebApplication> StartAsync(string? endpoint, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseTestServer();
        // Set either way, so an OTEL_EXPORTER_OTLP_ENDPOINT in the test runner's environment cannot decide.
        builder.Configuration[ServiceDefaults.ServiceDefaults.OtlpEndpointSetting] = endpoint ?? "";
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapGet("/traced", () =>
        {
            // ASP.NET Core starts a bare Activity for log correlation whenever logging is on; only a
            // listener's sampler marks it recorded (tags, events, export).
            var request = Activity.Current is { Recorded: true };
            using var own = SuiteSource.StartActivity("work");
            return $"request:{request} suite:{own is not null}";
        });
        await app.StartAsync(cancellationToken);
        return app;
    }
}
