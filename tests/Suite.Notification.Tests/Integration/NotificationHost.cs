using System.Text.Json;
using Dapr.Client;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Notification.V1;
using Suite.LocalServers;
using Suite.Notification.Tests.Fakes;
using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Notification.Tests.Integration;

/// <summary>
/// The notification service on real Kestrel (gRPC and HTTP endpoints) beside its emulator sidecar,
/// with fake presence and room on a real gRPC port, over a real redis-server for pub/sub and state.
/// A "business" app publishes through its own sidecar, and a recorder app with its own sidecar
/// subscribes to the edges' topics and the dead-letter topic, so everything crosses Redis.
/// </summary>
public sealed class NotificationHost : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    /// <summary>The notification sidecar signs its calls to the app with this (APP_API_TOKEN), and the app checks it.</summary>
    public const string AppApiToken = "notification-tests-app-api-token";

    /// <summary>The notification sidecar requires this on every call (DAPR_API_TOKEN), and the app sends it.</summary>
    public const string DaprApiToken = "notification-tests-dapr-api-token";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private RedisServer? _redis;
    private ResourcesFolder? _resources;
    private WebApplication? _fakes;
    private Factory? _factory;
    private Sidecar? _sidecar;
    private Sidecar? _businessSidecar;
    private GrpcChannel? _channel;

    public string[] EdgeIds => [$"e1-{_suffix}", $"e2-{_suffix}", $"e3-{_suffix}"];

    public FakePresence Presence => _fakes!.Services.GetRequiredService<FakePresence>();

    public FakeRoom Room => _fakes!.Services.GetRequiredService<FakeRoom>();

    public FakeTimeProvider Time { get; } = new(Now);

    /// <summary>The redis-server under pub/sub and state, for reading a topic's stream as the broker holds it.</summary>
    public RedisServer Redis => _redis!;

    public Recorder Recorder { get; private set; } = null!;

    /// <summary>The business team's DaprClient, on its own sidecar.</summary>
    public DaprClient Business { get; private set; } = null!;

    public NotificationService.NotificationServiceClient Grpc { get; private set; } = null!;

    /// <summary>The app's HTTP port, where its sidecar delivers <c>notifications</c>.</summary>
    public Uri CallbackAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _redis = await RedisServer.StartAsync(ct);
        _resources = new ResourcesFolder(
            ("pubsub.yaml", $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: \"{_redis.ConnectionString}\"\n"),
            ("statestore.yaml", $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.redis\n  version: v1\n  metadata:\n  - name: redisHost\n    value: \"{_redis.ConnectionString}\"\n"),
            ("resiliency.yaml", ResourcesFolder.Resiliency));

        var fakesPort = FreePort.Next();
        _fakes = StartFakes(fakesPort);
        await _fakes.StartAsync(ct);

        var topics = EdgeIds.SelectMany(e => new[] { DaprNames.EdgeTopic(e), DaprNames.EdgeUrgentTopic(e) }).Append(DaprNames.NotificationsDeadLetterTopic).Append(DaprNames.NotificationsUndeliveredTopic);
        Recorder = await Recorder.StartAsync(topics, _resources.Path, ct);

        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        // Both API tokens, as a production sidecar would have them: every notification test then also
        // shows that each sidecar call of the app carries the token and each callback is checked.
        var sidecarOptions = Sidecar.OptionsFor("notification", httpPort, _resources.Path) with { AppApiToken = AppApiToken, ApiToken = DaprApiToken };
        CallbackAddress = new Uri($"http://127.0.0.1:{httpPort}");
        _factory = new Factory(new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Notification:PresenceAddress"] = $"http://127.0.0.1:{fakesPort}",
            ["Notification:RoomAddress"] = $"http://127.0.0.1:{fakesPort}",
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{sidecarOptions.GrpcPort}",
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{sidecarOptions.HttpPort}",
            ["Logging:LogLevel:Default"] = "Warning",
            // The last of the sidecar's attempts under ResourcesFolder.Resiliency (1 + 3 retries).
            ["Notification:DeliveryAttempts"] = "4",
            ["APP_API_TOKEN"] = AppApiToken,
            ["DAPR_API_TOKEN"] = DaprApiToken,
        }, Time);
        _factory.UseKestrel();
        _factory.StartServer();
        _sidecar = await Sidecar.StartAsync(sidecarOptions, ct);
        using (var health = new DaprClientBuilder().UseGrpcEndpoint(_sidecar.GrpcEndpoint).UseHttpEndpoint(_sidecar.HttpEndpoint).Build())
        {
            await Eventually.UntilAsync(() => health.CheckHealthAsync(ct), healthy => healthy, TimeSpan.FromSeconds(15), ct, "the notification sidecar subscribed");
        }

        _businessSidecar = await Sidecar.StartAsync(Sidecar.OptionsFor("business", null, _resources.Path), ct);
        Business = new DaprClientBuilder().UseGrpcEndpoint(_businessSidecar.GrpcEndpoint).UseHttpEndpoint(_businessSidecar.HttpEndpoint).Build();

        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Grpc = new NotificationService.NotificationServiceClient(_channel);
    }

    /// <summary>Publishes raw JSON to <c>notifications</c> as a business team would.</summary>
    public async Task PublishAsync(string json, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(json);
        await Business.PublishEventAsync(DaprNames.PubSub, DaprNames.NotificationsTopic, document.RootElement, cancellationToken);
    }

    /// <summary>
    /// Publishes raw JSON with the CloudEvent id the publisher's sidecar writes onto the broker
    /// (<c>cloudevent.id</c> metadata). Two publishes with one id put the same envelope on the broker
    /// twice, which is what the notification app sees when the broker redelivers one message.
    /// </summary>
    public async Task PublishAsync(string json, string cloudEventId, CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(json);
        var metadata = new Dictionary<string, string> { ["cloudevent.id"] = cloudEventId };
        await Business.PublishEventAsync(DaprNames.PubSub, DaprNames.NotificationsTopic, document.RootElement, metadata, cancellationToken);
    }

    public string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Stops the notification app's sidecar and leaves the app running (stopping it again at dispose does nothing more).</summary>
    public Task StopSidecarAsync() => _sidecar!.DisposeAsync().AsTask();

    /// <summary>Stops the notification app and leaves its sidecar running, as an app that crashed: deliveries find nothing listening.</summary>
    public Task StopAppAsync() => _factory!.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHost>().StopAsync();

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        Business?.Dispose();
        if (_businessSidecar is not null)
        {
            await _businessSidecar.DisposeAsync();
        }

        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (Recorder is not null)
        {
            await Recorder.DisposeAsync();
        }

        if (_fakes is not null)
        {
            await _fakes.StopAsync(CancellationToken.None);
            await _fakes.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _resources?.Dispose();
    }

    private static WebApplication StartFakes(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<FakePresence>();
        builder.Services.AddSingleton<FakeRoom>();
        var app = builder.Build();
        app.MapGrpcService<FakePresence>();
        app.MapGrpcService<FakeRoom>();
        return app;
    }

    private sealed class Factory(IReadOnlyDictionary<string, string> settings, FakeTimeProvider time) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // App configuration, not UseSetting: host settings lose to the service's appsettings.json.
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings!));

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class NotificationCollection : ICollectionFixture<NotificationHost>
{
    public const string Name = "notification";
}
