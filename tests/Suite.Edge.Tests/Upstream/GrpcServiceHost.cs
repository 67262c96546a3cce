using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Suite.LocalServers;

namespace Suite.Edge.Tests.Upstream;

/// <summary>One gRPC service (a singleton, so tests can script it) on a real HTTP/2 loopback port.</summary>
internal sealed class GrpcServiceHost<TService> : IAsyncDisposable
    where TService : class
{
    private readonly WebApplication _app;

    private GrpcServiceHost(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public TService Service => _app.Services.GetRequiredService<TService>();

    public static async Task<GrpcServiceHost<TService>> StartAsync(CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<TService>();
        var app = builder.Build();
        app.MapGrpcService<TService>();
        await app.StartAsync(cancellationToken);
        return new GrpcServiceHost<TService>(app, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
