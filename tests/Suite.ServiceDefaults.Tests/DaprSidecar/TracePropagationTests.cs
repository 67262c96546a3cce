using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Suite.LocalServers;

namespace Suite.ServiceDefaults.Tests.DaprSidecar;

/// <summary>
/// Whether sidecar calls carry the caller's trace. HttpClient's process-wide propagation switch is
/// pinned on for this test process (the project file), so these tests show what the sidecar
/// channel itself does either way.
/// </summary>
public sealed class TracePropagationTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string?> _traceParents = new();
    private WebApplication? _sidecar;
    private string _endpoint = "";

    public async ValueTask InitializeAsync()
    {
        // A stand-in sidecar that records each call's traceparent header and answers every unary
        // call with an empty message (the responses of PublishEvent and SaveState are Empty).
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenLocalhost(port, listen => listen.Protocols = HttpProtocols.Http2));
        _sidecar = builder.Build();
        _sidecar.Map("/{**method}", async (HttpContext context) =>
        {
            _traceParents.Enqueue(context.Request.Headers.TryGetValue("traceparent", out var value) ? value.ToString() : null);
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            await context.Response.Body.WriteAsync(new byte[5], context.RequestAborted);
        });
        await _sidecar.StartAsync(TestContext.Current.CancellationToken);
        _endpoint = $"http://localhost:{port}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_an_otlp_endpoint_sidecar_calls_carry_no_traceparent()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = Clients.For(_endpoint, otlpEndpoint: null);
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();

        await client.PublishAsync(DaprNames.PubSub, "t", ByteString.Empty, "application/json", null, ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.True(_traceParents.TryDequeue(out var traceParent));
        Assert.Null(traceParent);
    }

    [Fact]
    public async Task With_an_otlp_endpoint_sidecar_calls_carry_the_callers_trace()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = Clients.For(_endpoint, otlpEndpoint: "http://127.0.0.1:1");
        using var caller = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();

        await client.PublishAsync(DaprNames.PubSub, "t", ByteString.Empty, "application/json", null, ct).WaitAsync(TimeSpan.FromSeconds(10), ct);

        Assert.True(_traceParents.TryDequeue(out var traceParent));
        Assert.NotNull(traceParent);
        Assert.Contains(caller.TraceId.ToHexString(), traceParent, StringComparison.Ordinal);
    }

    [Fact]
    public void An_explicit_http_propagation_setting_is_kept_without_an_otlp_endpoint()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration[ServiceDefaults.OtlpEndpointSetting] = "";

        builder.AddServiceDefaults();

        Assert.True(AppContext.TryGetSwitch("System.Net.Http.EnableActivityPropagation", out var enabled));
        Assert.True(enabled);
    }
}
