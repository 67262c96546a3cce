using Dapr.Client;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Edge.V1;
using Suite.DaprEmulator.Hosting;
using Suite.Edge.Auth;
using Suite.Edge.Connections;
using Suite.LocalServers;
using Suite.ServiceDefaults;
using Suite.Testing;

using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// A real edge on real Kestrel, beside an in-memory emulator sidecar and fake presence and room
/// services on real gRPC ports. Its timers, keep-alive included, run on <see cref="Time"/>; only
/// upgrades that reach the HTTP endpoint instead of the edge's own handshake keep the runtime's
/// keep-alive on the real clock.
/// </summary>
public sealed class EdgeHost : IAsyncDisposable
{
    public const string SigningKey = "edge-tests-signing-key-0123456789abcdef";

    /// <summary>The sidecar signs its calls to the edge with this (APP_API_TOKEN), and the edge checks it.</summary>
    public const string AppApiToken = "edge-tests-app-api-token";

    /// <summary>The sidecar requires this on every call (DAPR_API_TOKEN), and the edge sends it.</summary>
    public const string DaprApiToken = "edge-tests-dapr-api-token";

    private readonly EdgeFactory _factory;
    private Sidecar _sidecar;
    private bool _sidecarStopped;
    private GrpcChannel? _sidecarChannel;
    private readonly ResourcesFolder _resources;

    private EdgeHost(EdgeFactory factory, Sidecar sidecar, ResourcesFolder resources, FakeUpstream upstream, FakeTimeProvider time, int port, int internalPort, string edgeId)
    {
        InternalPort = internalPort;
        _factory = factory;
        _sidecar = sidecar;
        _resources = resources;
        Upstream = upstream;
        Time = time;
        Port = port;
        EdgeId = edgeId;
    }

    public FakeUpstream Upstream { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>The public port: clients.</summary>
    public int Port { get; }

    /// <summary>The internal port: the sidecar's app port (Dapr callbacks).</summary>
    public int InternalPort { get; }

    public string EdgeId { get; }

    public IServiceProvider Services => _factory.Services;

    public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}/ws");

    /// <param name="sidecar">Changes the sidecar's options, e.g. to set its API tokens.</param>
    public static async Task<EdgeHost> StartAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null, Func<SidecarOptions, SidecarOptions>? sidecar = null)
    {
        var edgeId = "edge-" + Guid.NewGuid().ToString("N")[..6];
        var port = FreePort.Next();
        var internalPort = FreePort.Next();
        var resources = new ResourcesFolder(
            ("pubsub.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\nspec:\n  type: pubsub.in-memory\n  version: v1\n  metadata: []\n"),
            ("statestore.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: statestore\nspec:\n  type: state.in-memory\n  version: v1\n  metadata: []\n"));
        // Both API tokens, as a production sidecar would have them: every edge test then also shows
        // that each sidecar call of the edge carries the token and each callback is checked.
        var sidecarOptions = Sidecar.OptionsFor(edgeId, internalPort, resources.Path) with { AppApiToken = AppApiToken, ApiToken = DaprApiToken };
        sidecarOptions = sidecar?.Invoke(sidecarOptions) ?? sidecarOptions;
        var upstream = await FakeUpstream.StartAsync($"http://127.0.0.1:{sidecarOptions.GrpcPort}", cancellationToken, sidecarOptions.ApiToken);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var all = new Dictionary<string, string>
        {
            ["Edge:EdgeId"] = edgeId,
            ["Edge:InternalUrl"] = $"http://127.0.0.1:{internalPort}",
            ["Edge:PresenceAddress"] = upstream.Address,
            ["Edge:RoomAddress"] = upstream.Address,
            ["Edge:NotificationAddress"] = upstream.Address,
            ["Auth:SigningKey"] = SigningKey,
            ["DAPR_GRPC_ENDPOINT"] = $"http://127.0.0.1:{sidecarOptions.GrpcPort}",
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{sidecarOptions.HttpPort}",
            ["APP_API_TOKEN"] = AppApiToken,
            ["DAPR_API_TOKEN"] = DaprApiToken,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        // The public address as a setting, as ASPNETCORE_URLS gives it in production: the host reads it
        // before the edge adds its internal port. UseKestrel(port) would instead rewrite the addresses from
        // the test thread while the app's own thread starts the host, and could wipe the internal one.
        all["urls"] = $"http://127.0.0.1:{port}";
        var factory = new EdgeFactory(all, time);
        factory.UseKestrel();
        factory.StartServer();
        var running = await Sidecar.StartAsync(sidecarOptions, cancellationToken);
        var host = new EdgeHost(factory, running, resources, upstream, time, port, internalPort, edgeId);
        await host.WaitForSubscriptionsAsync(cancellationToken);
        return host;
    }

    public string SidecarGrpcEndpoint => _sidecar.GrpcEndpoint;

    /// <summary>Stops the sidecar and starts a fresh one on the same ports, as a sidecar container restart does.</summary>
    public async Task RestartSidecarAsync(CancellationToken cancellationToken)
    {
        var options = _sidecar.Options;
        await _sidecar.DisposeAsync();
        _sidecarChannel?.Dispose();
        _sidecarChannel = null;
        _sidecar = await Sidecar.StartAsync(options, cancellationToken);
        await WaitForSubscriptionsAsync(cancellationToken);
    }

    /// <summary>Stops the sidecar for good, as a crashed sidecar container: every Dapr call of the edge fails from now on.</summary>
    public async Task StopSidecarAsync()
    {
        _sidecarStopped = true;
        _sidecarChannel?.Dispose();
        _sidecarChannel = null;
        await _sidecar.DisposeAsync();
    }

    /// <summary>Publishes raw bytes to one of this edge's topics, as room and notification publish deliveries.</summary>
    public async Task PublishRawAsync(bool urgent, byte[] payload, CancellationToken cancellationToken)
    {
        var request = new PublishEventRequest
        {
            PubsubName = DaprNames.PubSub,
            Topic = urgent ? DaprNames.EdgeUrgentTopic(EdgeId) : DaprNames.EdgeTopic(EdgeId),
            Data = ByteString.CopyFrom(payload),
            DataContentType = EdgeDeliveryCodec.ContentType,
        };
        request.Metadata.Add(EdgeDeliveryCodec.PublishMetadata());
        await SidecarClient().PublishEventAsync(request, SidecarHeaders, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
    }

    // The sidecar's API token, when it requires one.
    private Grpc.Core.Metadata? SidecarHeaders => _sidecar.Options.ApiToken is { } token ? new Grpc.Core.Metadata { { "dapr-api-token", token } } : null;

    // One connection for all publishes, as a publisher's DaprClient has.
    private DaprGrpc.DaprClient SidecarClient() => new(_sidecarChannel ??= GrpcChannel.ForAddress(_sidecar.GrpcEndpoint));

    /// <summary>A delivery of a structured message to <paramref name="userId"/> on this edge, which the edge renders.</summary>
    public byte[] Payload(string userId, ServerMessage message) => EdgeDeliveryCodec.ToPayload(new EdgeDelivery
    {
        EdgeId = EdgeId,
        Users = new UserIds { Ids = { userId } },
        Message = message,
    });

    /// <summary>
    /// A delivery to <paramref name="userId"/> on this edge in the legacy form, its frame
    /// <c>{"type":type,"n":n}</c> given whole in <c>json</c>, with message id <c>{type}-{n}</c>.
    /// </summary>
    public byte[] Payload(string userId, string type, int n) => EdgeDeliveryCodec.ToPayload(new EdgeDelivery
    {
        EdgeId = EdgeId,
        Users = new UserIds { Ids = { userId } },
        Message = new ServerMessage { Id = $"{type}-{n}", Type = type, Json = $$"""{"type":"{{type}}","n":{{n}}}""" },
    });

    // Deliveries published before the edge subscribed would be lost (in-memory pub/sub keeps nothing
    // for absent subscribers): wait until the sidecar is healthy (it subscribes the app's routes
    // first) and lists both topics the way the edge subscribes them.
    private async Task WaitForSubscriptionsAsync(CancellationToken cancellationToken)
    {
        using var health = new DaprClientBuilder().UseGrpcEndpoint(_sidecar.GrpcEndpoint).UseHttpEndpoint(_sidecar.HttpEndpoint).Build();
        await Eventually.UntilAsync(() => health.CheckHealthAsync(cancellationToken), healthy => healthy, TimeSpan.FromSeconds(15), cancellationToken, "the sidecar is healthy");
        var client = SidecarClient();
        var streaming = !string.Equals(_factory.Setting("Edge:DeliverySubscription"), "Http", StringComparison.OrdinalIgnoreCase);
        await Eventually.UntilAsync(
            async () =>
            {
                var metadata = await client.GetMetadataAsync(new GetMetadataRequest(), SidecarHeaders, cancellationToken: cancellationToken);
                return metadata.Subscriptions.Count(s => s.Topic.StartsWith("edge.", StringComparison.Ordinal)
                    && (s.Type == PubsubSubscriptionType.Streaming) == streaming);
            },
            count => count == 2,
            TimeSpan.FromSeconds(20),
            cancellationToken,
            "the sidecar subscribed for the edge");
    }

    public string Token(string userId, TimeSpan? lifetime = null, IDictionary<string, object>? claims = null) =>
        DevTokens.Create(SigningKey, userId, lifetime ?? TimeSpan.FromHours(1), Time, claims);

    /// <summary>A connected client that has not authenticated yet.</summary>
    /// <param name="encoding">Offered as the subprotocol; the client then speaks it (none = JSON without an offer).</param>
    public async Task<TestClient> ConnectAsync(CancellationToken cancellationToken, Action<System.Net.WebSockets.ClientWebSocketOptions>? configure = null, string? query = null, WireEncoding? encoding = null)
    {
        var uri = query is null ? WebSocketUri : new Uri(WebSocketUri + "?" + query);
        return await TestClient.ConnectAsync(uri, cancellationToken, configure, encoding);
    }

    /// <summary>A client authenticated as <paramref name="userId"/> with the auth frame, after its auth:ok.</summary>
    /// <param name="inboxRead">
    /// Also wait until the edge has read the connection's inbox (its live hold ended). Tests move the
    /// fake clock next, and a read still out then has its upstream timeout and retry backoff, which run
    /// on that clock, fire and wait on it: the client's frames, handled only after the read, would stall.
    /// </param>
    public async Task<TestClient> ConnectAsAsync(string userId, CancellationToken cancellationToken, IDictionary<string, object>? claims = null, bool inboxRead = true, WireEncoding? encoding = null)
    {
        var client = await ConnectAsync(cancellationToken, encoding: encoding);
        await client.SendAsync(new { type = "auth", token = Token(userId, claims: claims) }, cancellationToken);
        var ok = await client.ReceiveAsync("auth:ok", cancellationToken);
        client.ConnectionId = ok.GetProperty("connectionId").GetString();
        if (inboxRead)
        {
            await InboxReadAsync(ok, cancellationToken);
        }

        return client;
    }

    /// <summary>
    /// Waits until the edge has read the inbox of the connection <paramref name="authOk"/> (its
    /// <c>auth:ok</c>) names: before moving the fake clock, see <see cref="ConnectAsAsync"/>.
    /// </summary>
    public Task InboxReadAsync(System.Text.Json.JsonElement authOk, CancellationToken cancellationToken)
    {
        var registry = Services.GetRequiredService<ConnectionRegistry>();
        var connectionId = authOk.GetProperty("connectionId").GetString()!;
        return Eventually.UntilAsync(() => registry.Find(connectionId)?.LiveHold is null, TimeSpan.FromSeconds(30), cancellationToken, $"connection {connectionId}'s inbox read");
    }

    /// <summary>Stops the edge as SIGTERM would (graceful drain), leaving the rest running.</summary>
    public Task StopEdgeAsync() => _factory.StopAsync();

    public async ValueTask DisposeAsync()
    {
        _sidecarChannel?.Dispose();
        if (!_sidecarStopped)
        {
            await _sidecar.DisposeAsync();
        }

        await _factory.DisposeAsync();
        await Upstream.DisposeAsync();
        _resources.Dispose();
    }

    private sealed class EdgeFactory(IReadOnlyDictionary<string, string> settings, FakeTimeProvider time) : WebApplicationFactory<Program>
    {
        public string? Setting(string key) => settings.GetValueOrDefault(key);

        public Task StopAsync() => Services.GetRequiredService<Microsoft.Extensions.Hosting.IHost>().StopAsync();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time));
        }
    }
}
