using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.DaprSidecar;
using AckStatus = Dapr.AppCallback.Autogen.Grpc.v1.TopicEventResponse.Types.TopicEventResponseStatus;
using DaprGrpc = Dapr.Client.Autogen.Grpc.v1.Dapr;

namespace Suite.Edge.Pages;

/// <summary>One dead letter as the ops view shows it.</summary>
public sealed record OpsDeadLetter(string Topic, string Id, DateTimeOffset ReceivedAt, string? Reason, string Data);

/// <summary>
/// The last dead letters of notification's two dead-letter topics (<c>notifications.deadletter</c>:
/// invalid events with a reason; <c>deadletter.notifications</c>: events given up on), read over
/// streaming subscriptions of this edge's sidecar for the Development ops view. Runs only with the
/// pages (<see cref="PagesEndpoints.Enabled"/>); it acks every event, so on a broker it forms its own
/// consumer group (the edge's app id) and takes nothing from other readers.
/// </summary>
public sealed class OpsDeadLetters(IConfiguration configuration, IHostEnvironment environment, IOptions<EdgeOptions> options, ILogger<OpsDeadLetters> logger) : BackgroundService
{
    private const int Kept = 20;
    private const int DataChars = 300;
    private readonly LinkedList<OpsDeadLetter> _recent = new();
    private readonly Lock _lock = new();

    public OpsDeadLetter[] Recent()
    {
        lock (_lock)
        {
            return [.. _recent];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!PagesEndpoints.Enabled(environment, options.Value))
        {
            return;
        }

        using var sidecar = new SidecarStreams(configuration);
        await Task.WhenAll(
            KeepReadingAsync(sidecar.Client, sidecar.Headers, DaprNames.NotificationsDeadLetterTopic, stoppingToken),
            KeepReadingAsync(sidecar.Client, sidecar.Headers, DaprNames.NotificationsUndeliveredTopic, stoppingToken));
    }

    private async Task KeepReadingAsync(DaprGrpc.DaprClient client, Metadata? headers, string topic, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReadAsync(client, headers, topic, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                logger.LogDebug(ex, "ops view: reading {Topic} failed; trying again", topic);
            }
            catch (Exception ex) when (stoppingToken.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                return;
            }

            try
            {
                // A sidecar still starting refuses the first attempts; the view can wait a second.
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadAsync(DaprGrpc.DaprClient client, Metadata? headers, string topic, CancellationToken stoppingToken)
    {
        using var call = client.SubscribeTopicEventsAlpha1(headers, cancellationToken: stoppingToken);
        var initial = new SubscribeTopicEventsRequestInitialAlpha1 { PubsubName = DaprNames.PubSub, Topic = topic };
        await call.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1 { InitialRequest = initial }, stoppingToken);
        while (await call.ResponseStream.MoveNext(stoppingToken))
        {
            if (call.ResponseStream.Current.EventMessage is not { } message)
            {
                continue;
            }

            Remember(new OpsDeadLetter(topic, message.Id, DateTimeOffset.UtcNow, ReasonOf(message), Preview(message.Data)));
            var processed = new SubscribeTopicEventsRequestProcessedAlpha1
            {
                Id = message.Id,
                Status = new TopicEventResponse { Status = AckStatus.Success },
            };
            await call.RequestStream.WriteAsync(new SubscribeTopicEventsRequestAlpha1 { EventProcessed = processed }, stoppingToken);
        }
    }

    private void Remember(OpsDeadLetter letter)
    {
        lock (_lock)
        {
            _recent.AddFirst(letter);
            if (_recent.Count > Kept)
            {
                _recent.RemoveLast();
            }
        }
    }

    // notifications.deadletter carries a DeadLetter with its reason; deadletter.notifications the
    // original event, with the reason (when the app put it there) as an extension attribute.
    private static string? ReasonOf(TopicEventRequest message)
    {
        if (message.Extensions?.Fields.TryGetValue("deadletterreason", out var extension) == true)
        {
            return extension.StringValue;
        }

        try
        {
            using var json = JsonDocument.Parse(message.Data.Memory);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
                ? reason.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // A DeadLetter's data is the event as received, as a JSON string: show that rather than the escaped wrapper.
    private static string Preview(Google.Protobuf.ByteString data)
    {
        var text = data.ToStringUtf8();
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("reason", out _)
                && json.RootElement.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.String)
            {
                text = inner.GetString() ?? text;
            }
        }
        catch (JsonException)
        {
            // Not JSON: shown as it is.
        }

        return text.Length <= DataChars ? text : text[..DataChars] + "…";
    }
}
