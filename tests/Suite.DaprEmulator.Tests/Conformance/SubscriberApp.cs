using System.Collections.Concurrent;
using System.Text.Json;
using Dapr;
using Dapr.AspNetCore;
using Dapr.Client;
using Suite.DaprEmulator.Hosting;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.Conformance;

/// <summary>
/// A small ASP.NET Core app written the way a suite service is: Dapr.AspNetCore subscriptions
/// (minimal-API <c>WithTopic</c> and a <c>[Topic]</c> controller), <c>UseCloudEvents</c>, and a
/// <c>DaprClient</c> pointed at its own emulator sidecar. It records what it receives.
/// </summary>
public sealed class SubscriberApp : IAsyncDisposable
{
    public const string PubSub = "pubsub";
    public const string Store = "statestore";
    private const string RawBodyKey = "raw-body";

    private readonly WebApplication _app;
    private readonly Sidecar _sidecar;

    private SubscriberApp(WebApplication app, Sidecar sidecar, string name, Received received)
    {
        _app = app;
        _sidecar = sidecar;
        Name = name;
        Events = received;
    }

    public string Name { get; }

    public Received Events { get; }

    public DaprClient Dapr => _app.Services.GetRequiredService<DaprClient>();

    public Sidecar Sidecar => _sidecar;

    /// <summary>Starts the app and its sidecar; returns once the sidecar has subscribed for it.</summary>
    /// <param name="subscribePoison">False: the app leaves the dead-letter topic "poison" to someone else (e.g. a test's stream on its sidecar).</param>
    public static async Task<SubscriberApp> StartAsync(string appId, string resourcesPath, CancellationToken cancellationToken, string? name = null, bool subscribe = true, Func<SidecarOptions, SidecarOptions>? adjust = null, bool subscribePoison = true)
    {
        var appPort = FreePort.Next();
        var sidecarOptions = Sidecar.OptionsFor(appId, subscribe ? appPort : null, resourcesPath);
        sidecarOptions = adjust?.Invoke(sidecarOptions) ?? sidecarOptions;
        var received = new Received();
        var app = BuildApp(appPort, sidecarOptions, received, name ?? appId, subscribePoison);
        await app.StartAsync(cancellationToken);
        var sidecar = await Sidecar.StartAsync(sidecarOptions, cancellationToken);
        var client = app.Services.GetRequiredService<DaprClient>();
        using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ready.CancelAfter(TimeSpan.FromSeconds(15));
        await WaitForFullHealthAsync(client, ready.Token);
        return new SubscriberApp(app, sidecar, name ?? appId, received);
    }

    /// <summary>Stops the app and leaves its sidecar running, as an app that crashed or hangs in a restart: deliveries find nothing listening.</summary>
    public Task StopAppAsync() => _app.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static async Task WaitForFullHealthAsync(DaprClient client, CancellationToken cancellationToken)
    {
        await client.WaitForSidecarAsync(cancellationToken);
        while (!await client.CheckHealthAsync(cancellationToken))
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    private static WebApplication BuildApp(int port, SidecarOptions sidecar, Received received, string name, bool subscribePoison)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddDaprClient(dapr => dapr
            .UseGrpcEndpoint($"http://127.0.0.1:{sidecar.GrpcPort}")
            .UseHttpEndpoint($"http://127.0.0.1:{sidecar.HttpPort}"));
        builder.Services.AddControllers().AddDapr().AddApplicationPart(typeof(SubscriberApp).Assembly);
        builder.Services.AddSingleton(received);
        builder.Services.AddSingleton(new AppName(name));

        var app = builder.Build();
        app.Use(KeepRawBody);
        app.UseCloudEvents();
        app.MapSubscribeHandler();
        app.MapControllers();

        app.MapPost("/orders", (HttpRequest request, JsonElement data) => Record(received, name, "orders", request, data)).WithTopic(PubSub, "orders");
        app.MapPost("/flaky", (HttpRequest request, JsonElement data) => Scripted(received, name, "flaky", request, data)).WithTopic(PubSub, "flaky");
        app.MapPost("/fragile", (HttpRequest request, JsonElement data) => Scripted(received, name, "fragile", request, data))
            .WithTopic(new TopicOptions { PubsubName = PubSub, Name = "fragile", DeadLetterTopic = "poison" });
        if (subscribePoison)
        {
            app.MapPost("/poison", (HttpRequest request, JsonElement data) => Record(received, name, "poison", request, data)).WithTopic(PubSub, "poison");
        }

        return app;
    }

    internal static IResult Record(Received received, string name, string route, HttpRequest request, JsonElement data)
    {
        received.Add(new ReceivedEvent(route, name, CloudEventFrom(request, data)));
        return Results.Ok();
    }

    // data.mode says how to answer: "ok", "retry:N" (RETRY for the first N attempts), "drop", "fail" (HTTP 500).
    private static IResult Scripted(Received received, string name, string route, HttpRequest request, JsonElement data)
    {
        var cloudEvent = CloudEventFrom(request, data);
        var attempt = received.Attempt(cloudEvent.GetProperty("id").GetString()!);
        var mode = data.GetProperty("mode").GetString()!;
        if (mode.StartsWith("retry:", StringComparison.Ordinal) && attempt <= int.Parse(mode["retry:".Length..], System.Globalization.CultureInfo.InvariantCulture))
        {
            return Results.Json(new { status = "RETRY" });
        }

        return mode switch
        {
            "drop" => Results.Json(new { status = "DROP" }),
            "fail" => Results.StatusCode(500),
            _ => Record(received, name, route, request, data),
        };
    }

    // The envelope exactly as the sidecar posted it, kept by the middleware in front of UseCloudEvents;
    // the handler's own argument is what the SDK unwrapped, and must equal the envelope's data.
    private static JsonElement CloudEventFrom(HttpRequest request, JsonElement data)
    {
        var envelope = JsonDocument.Parse((byte[])request.HttpContext.Items[RawBodyKey]!).RootElement;
        if (!envelope.TryGetProperty("data", out var sent) || sent.GetRawText() != data.GetRawText())
        {
            throw new InvalidOperationException($"the SDK unwrapped {data} but the envelope carried {envelope}");
        }

        return envelope;
    }

    private static async Task KeepRawBody(HttpContext context, RequestDelegate next)
    {
        if (HttpMethods.IsPost(context.Request.Method))
        {
            using var copy = new MemoryStream();
            await context.Request.Body.CopyToAsync(copy, context.RequestAborted);
            context.Items[RawBodyKey] = copy.ToArray();
            context.Request.Body = new MemoryStream(copy.ToArray());
        }

        await next(context);
    }

    public sealed record AppName(string Value);

    public sealed class Received
    {
        private readonly ConcurrentQueue<ReceivedEvent> _events = new();
        private readonly ConcurrentDictionary<string, int> _attempts = new();

        public IReadOnlyList<ReceivedEvent> All => _events.ToArray();

        public void Add(ReceivedEvent received) => _events.Enqueue(received);

        public int Attempt(string id) => _attempts.AddOrUpdate(id, 1, (_, n) => n + 1);

        public IReadOnlyDictionary<string, int> AttemptCounts => new Dictionary<string, int>(_attempts);

        public int AttemptsOf(string id) => _attempts.TryGetValue(id, out var n) ? n : 0;

        public IReadOnlyList<ReceivedEvent> On(string route) => _events.Where(e => e.Route == route).ToList();
    }
}
