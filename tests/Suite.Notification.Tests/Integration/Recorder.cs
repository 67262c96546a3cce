using System.Collections.Concurrent;
using System.Text.Json;
using Dapr.Client;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Suite.Contracts.Edge.V1;
using Suite.LocalServers;
using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Notification.Tests.Integration;

/// <summary>
/// A separate app with its own sidecar that subscribes to the edge topics and the dead-letter topic,
/// standing in for the edges: it sees exactly what crossed the broker.
/// </summary>
public sealed class Recorder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Sidecar _sidecar;
    private readonly ConcurrentQueue<(string Topic, JsonElement Data)> _received;

    private Recorder(WebApplication app, Sidecar sidecar, ConcurrentQueue<(string, JsonElement)> received)
    {
        _app = app;
        _sidecar = sidecar;
        _received = received;
    }

    public IReadOnlyList<(string Topic, JsonElement Data)> All => _received.ToArray();

    public static async Task<Recorder> StartAsync(IEnumerable<string> topics, string resourcesPath, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var sidecarOptions = Sidecar.OptionsFor("recorder", port, resourcesPath);
        var received = new ConcurrentQueue<(string, JsonElement)>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseCloudEvents();
        app.MapSubscribeHandler();
        foreach (var topic in topics)
        {
            app.MapRecorded(DaprNames.PubSub, topic, data => received.Enqueue((topic, data)));
        }

        await app.StartAsync(cancellationToken);
        var sidecar = await Sidecar.StartAsync(sidecarOptions, cancellationToken);
        using var health = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).UseHttpEndpoint(sidecar.HttpEndpoint).Build();
        await Eventually.UntilAsync(() => health.CheckHealthAsync(cancellationToken), healthy => healthy, TimeSpan.FromSeconds(15), cancellationToken, "the recorder's sidecar subscribed");
        return new Recorder(app, sidecar, received);
    }

    /// <summary>Deliveries whose message id is <paramref name="messageId"/>, by topic.</summary>
    public IReadOnlyList<(string Topic, JsonElement Delivery)> Deliveries(string messageId) =>
        All.Where(r => r.Data.TryGetProperty("message", out var m) && m.GetProperty("id").GetString() == messageId).ToList();

    public async Task<IReadOnlyList<(string Topic, JsonElement Delivery)>> WaitForDeliveriesAsync(string messageId, int count, CancellationToken cancellationToken) =>
        await Eventually.UntilAsync(() => Task.FromResult(Deliveries(messageId)), d => d.Count >= count, TimeSpan.FromSeconds(15), cancellationToken, $"{count} deliveries of {messageId}");

    /// <summary>
    /// The client frame an edge renders from a recorded delivery's structured message. Notification
    /// writes no frame itself, so the legacy <c>json</c> must be empty.
    /// </summary>
    public static string Frame(JsonElement delivery)
    {
        var message = JsonParser.Default.Parse<ServerMessage>(delivery.GetProperty("message").GetRawText());
        Assert.Empty(message.Json);
        return ServerMessageJson.ToJson(message);
    }

    /// <summary>The DeadLetter whose data contains <paramref name="marker"/>.</summary>
    public async Task<JsonElement> WaitForDeadLetterAsync(string marker, CancellationToken cancellationToken)
    {
        var found = await Eventually.UntilAsync(
            () => Task.FromResult(All.Where(r => r.Topic == DaprNames.NotificationsDeadLetterTopic && r.Data.GetProperty("data").GetString()!.Contains(marker, StringComparison.Ordinal)).ToList()),
            d => d.Count > 0,
            TimeSpan.FromSeconds(15),
            cancellationToken,
            $"a dead letter for {marker}");
        return found[0].Data;
    }

    public async ValueTask DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
