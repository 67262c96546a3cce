using System.Collections.Concurrent;
using System.Text.Json;
using Dapr.AspNetCore;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// A stand-in for a business team's service: its own sidecar on the suite's broker, a DaprClient
/// to publish with, and subscriptions that record what arrives on the topics it is given.
/// </summary>
public sealed class RecorderApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private Sidecar? _sidecar;

    private RecorderApp(WebApplication app) => _app = app;

    public ConcurrentDictionary<string, ConcurrentQueue<JsonElement>> Received { get; } = new();

    public DaprClient Dapr => _app.Services.GetRequiredService<DaprClient>();

    public IReadOnlyList<JsonElement> On(string topic) => Received.TryGetValue(topic, out var queue) ? queue.ToArray() : [];

    public static async Task<RecorderApp> StartAsync(string appId, string resourcesPath, IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var options = Sidecar.OptionsFor(appId, topics.Count > 0 ? port : null, resourcesPath);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddDaprClient(dapr => dapr.UseGrpcEndpoint($"http://127.0.0.1:{options.GrpcPort}").UseHttpEndpoint($"http://127.0.0.1:{options.HttpPort}"));
        var app = builder.Build();
        var recorder = new RecorderApp(app);
        app.UseCloudEvents();
        app.MapSubscribeHandler();
        foreach (var topic in topics)
        {
            app.MapRecorded("pubsub", topic, data => recorder.Received.GetOrAdd(topic, _ => new()).Enqueue(data));
        }

        await app.StartAsync(cancellationToken);
        recorder._sidecar = await Sidecar.StartAsync(options, cancellationToken);
        await Eventually.UntilAsync(() => recorder.Dapr.CheckHealthAsync(cancellationToken), healthy => healthy, TimeSpan.FromSeconds(30), cancellationToken, $"{appId}'s sidecar is ready");
        return recorder;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
