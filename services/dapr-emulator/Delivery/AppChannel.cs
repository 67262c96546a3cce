using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.Hosting;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Delivery;

/// <summary>
/// The HTTP connection from sidecar to app. One pooled, keep-alive handler serves every delivery,
/// since the emulator sits on every message's path in local runs and benchmarks.
/// </summary>
public sealed partial class AppChannel : IDeliveryTarget, IDisposable
{
    private static readonly MediaTypeHeaderValue CloudEventContentType = new(ContentTypes.CloudEventsJson);
    private readonly HttpClient _http;
    private readonly SidecarOptions _options;
    private readonly ILogger<AppChannel> _logger;

    public AppChannel(SidecarOptions options, ILogger<AppChannel> logger)
    {
        _options = options;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
        })
        {
            BaseAddress = new Uri($"http://{options.AppChannelAddress}:{options.AppPort}/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Blocks until the app accepts TCP connections, as daprd does before reading subscriptions.</summary>
    public async Task WaitForAppAsync(CancellationToken cancellationToken)
    {
        var attempts = 0;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(_options.AppChannelAddress, _options.AppPort!.Value, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                if (++attempts % 50 == 1)
                {
                    LogWaitingForApp(_logger, _options.AppChannelAddress, _options.AppPort!.Value);
                }

                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>Reads <c>GET /dapr/subscribe</c>; a 404 means the app subscribes to nothing.</summary>
    public async Task<IReadOnlyList<AppSubscription>> GetSubscriptionsAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "dapr/subscribe");
        AddAppToken(request);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return SubscriptionReader.Read(body);
    }

    public async Task<DeliveryOutcome> DeliverAsync(string path, SubscriberEvent cloudEvent, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ReadOnlyMemoryContent(cloudEvent.CloudEvent) { Headers = { ContentType = CloudEventContentType } },
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        AddAppToken(request);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new DeliveryOutcome(DeliveryStatus.Drop, $"the app answered 404 for route /{path}");
        }

        if (!response.IsSuccessStatusCode)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, $"the app answered {(int)response.StatusCode} for route /{path}");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return ReadStatus(body);
    }

    // A 2xx body is empty, not JSON (both success) or {"status": "SUCCESS" | "RETRY" | "DROP"};
    // anything else in "status" is retried, as daprd does.
    private static DeliveryOutcome ReadStatus(byte[] body)
    {
        if (body.Length == 0)
        {
            return DeliveryOutcome.Success;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("status", out var status))
            {
                return DeliveryOutcome.Success;
            }

            var text = status.ValueKind == JsonValueKind.String ? status.GetString() : status.ToString();
            return text?.ToUpperInvariant() switch
            {
                "" or "SUCCESS" => DeliveryOutcome.Success,
                "RETRY" => new DeliveryOutcome(DeliveryStatus.Retry, "the app asked to retry"),
                "DROP" => new DeliveryOutcome(DeliveryStatus.Drop, "the app asked to drop"),
                _ => new DeliveryOutcome(DeliveryStatus.Retry, $"unknown status '{text}' from the app"),
            };
        }
        catch (JsonException)
        {
            return DeliveryOutcome.Success;
        }
    }

    private void AddAppToken(HttpRequestMessage request)
    {
        if (_options.AppApiToken is { } token)
        {
            request.Headers.TryAddWithoutValidation("dapr-api-token", token);
        }
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(1, LogLevel.Information, "waiting for the app to listen on {Address}:{Port}")]
    private static partial void LogWaitingForApp(ILogger logger, string address, int port);
}
