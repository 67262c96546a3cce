using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Dapr.AspNetCore;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Suite.Embedded;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.Notifications.Client.Tests;

/// <summary>
/// The embedded suite (every service beside its emulator sidecar, with service authentication on)
/// and a business app, "orders", beside its own sidecar on the suite's bus: a DaprClient to publish
/// through it, and a subscription to <c>notifications.deadletter</c> as the README shows it.
/// </summary>
public sealed class EmbeddedSuiteFixture : IAsyncLifetime
{
    private WebApplication? _orders;

    public EmbeddedSuite Suite { get; private set; } = null!;

    public DaprClient Dapr { get; private set; } = null!;

    public int EdgePort { get; private set; }

    /// <summary>What the orders app's dead-letter subscription parsed.</summary>
    public ConcurrentQueue<NotificationDeadLetter> DeadLetters { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        EdgePort = FreePort.Next();
        Suite = await EmbeddedSuite.StartAsync(EdgePort, ct);

        var ordersPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{ordersPort}");
        _orders = builder.Build();
        _orders.UseCloudEvents();
        _orders.MapSubscribeHandler();
        _orders.MapPost("/notification-dead-letters", (JsonElement body) =>
        {
            DeadLetters.Enqueue(NotificationDeadLetter.Parse(body));
            return Results.Ok();
        }).WithTopic(NotificationTopics.PubSub, NotificationTopics.DeadLetter);
        await _orders.StartAsync(ct);

        var (grpcPort, httpPort) = await Suite.StartAppSidecarAsync("orders", ordersPort, ct);
        Dapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{grpcPort}").UseHttpEndpoint($"http://127.0.0.1:{httpPort}").Build();
        await Eventually.UntilAsync(() => Dapr.CheckHealthAsync(ct), healthy => healthy, TimeSpan.FromSeconds(30), ct, "the orders sidecar is ready");
    }

    public async ValueTask DisposeAsync()
    {
        Dapr?.Dispose();
        if (Suite is not null)
        {
            await Suite.DisposeAsync();
        }

        if (_orders is not null)
        {
            await _orders.StopAsync(CancellationToken.None);
            await _orders.DisposeAsync();
        }
    }

    /// <summary>A client on the suite's edge, authenticated as <paramref name="user"/>.</summary>
    public async Task<TestClient> ConnectAsync(string user, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{EdgePort}") };
        var token = (await http.GetFromJsonAsync<JsonElement>($"/dev/token?user={Uri.EscapeDataString(user)}", ct)).GetProperty("token").GetString();
        var client = await TestClient.ConnectAsync(new Uri($"ws://127.0.0.1:{EdgePort}/ws?access_token={token}"), ct);
        await client.ReceiveAsync("auth:ok", ct);
        return client;
    }
}
