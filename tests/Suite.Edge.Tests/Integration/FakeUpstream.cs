using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Suite.Edge.Tests.Fakes;
using Suite.LocalServers;

namespace Suite.Edge.Tests.Integration;

/// <summary>Fake presence, room and notification services on a real gRPC port, as the edge would find the real ones.</summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeUpstream(WebApplication app, int port, DaprClient dapr)
    {
        _app = app;
        Address = $"http://127.0.0.1:{port}";
        Dapr = dapr;
    }

    public string Address { get; }

    public DaprClient Dapr { get; }

    public FakePresence Presence => _app.Services.GetRequiredService<FakePresence>();

    public FakeRoom Room => _app.Services.GetRequiredService<FakeRoom>();

    public FakeNotification Notification => _app.Services.GetRequiredService<FakeNotification>();

    /// <param name="daprGrpcEndpoint">The sidecar the fake room publishes edge deliveries through.</param>
    /// <param name="daprApiToken">The sidecar's DAPR_API_TOKEN, if it requires one.</param>
    public static async Task<FakeUpstream> StartAsync(string daprGrpcEndpoint, CancellationToken cancellationToken, string? daprApiToken = null)
    {
        var port = FreePort.Next();
        var dapr = new DaprClientBuilder().UseGrpcEndpoint(daprGrpcEndpoint).UseDaprApiToken(daprApiToken).Build();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<FakePresence>();
        builder.Services.AddSingleton(new FakeRoom(() => dapr));
        builder.Services.AddSingleton<FakeNotification>();
        var app = builder.Build();
        app.MapGrpcService<FakePresence>();
        app.MapGrpcService<FakeRoom>();
        app.MapGrpcService<FakeNotification>();
        await app.StartAsync(cancellationToken);
        return new FakeUpstream(app, port, dapr);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Dapr.Dispose();
    }
}
