using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Suite.LocalServers;

namespace Suite.ServiceDefaults.Tests.Telemetry;

/// <summary>
/// Which of ASP.NET Core's own metrics a service exports on /metrics: the request and connection
/// metrics operators read, and not Kestrel's memory pool, which records on every buffer rented or
/// returned and cost more CPU than it tells anyone.
/// </summary>
public sealed class FrameworkMetricsTests
{
    [Fact]
    public async Task Metrics_carry_requests_and_connections_but_not_the_memory_pool()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port));
        await using var app = builder.Build();
        app.MapGet("/hello", () => "hello");
        app.MapDefaultEndpoints();
        await app.StartAsync(ct);

        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{port}") };
        Assert.Equal("hello", await http.GetStringAsync("/hello", ct));

        // The exporter collects on scrape; the request above has ended by the time it answered.
        var scraped = await http.GetStringAsync("/metrics", ct);
        Assert.Contains("http_server_request_duration_seconds_bucket", scraped, StringComparison.Ordinal);
        Assert.Contains("kestrel_active_connections", scraped, StringComparison.Ordinal);
        Assert.DoesNotContain("memory_pool", scraped, StringComparison.Ordinal);
    }
}
