using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.PubSub;
using Suite.DaprEmulator.Publishing;
using Suite.DaprEmulator.Resiliency;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Delivery;

/// <summary>
/// Delivers the messages of one subscription to the app, the way daprd's subscriber side does:
/// drop expired events, pick the route, hand the CloudEvent to the target (an HTTP POST or a
/// streaming subscription), retry under the inbound resiliency policy, and dead-letter (or give the
/// failure back to the broker) when the app will not take it.
/// </summary>
public sealed partial class TopicDelivery(
    AppSubscription subscription,
    RouteMatcher routes,
    IDeliveryTarget target,
    ResiliencePipeline inbound,
    Publisher publisher,
    TimeProvider time,
    ILogger logger)
{
    public async Task HandleAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var cloudEvent = subscription.RawPayload
            ? SubscriberEvent.FromRawPayload(RawPayloadEnvelope.New(subscription.Topic, subscription.PubsubName, message.Data))
            : SubscriberEvent.FromCloudEvent(message.Data);
        var fields = routes.HasRules || !subscription.RawPayload ? CloudEventFields.TryRead(cloudEvent.CloudEvent.Span) : null;
        if (fields?.HasExpired(time.GetUtcNow()) == true)
        {
            LogExpired(logger, fields["id"], subscription.Topic);
            return;
        }

        var path = routes.Route(fields);
        if (path is null)
        {
            return;
        }

        var headers = Headers(message, fields);
        DeliveryOutcome outcome;
        try
        {
            outcome = await inbound.ExecuteAsync(
                ct => target.DeliverAsync(path, cloudEvent, headers, ct),
                result => result.Status == DeliveryStatus.Retry,
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            outcome = new DeliveryOutcome(DeliveryStatus.Retry, ex.Message);
        }

        if (outcome.Status == DeliveryStatus.Success)
        {
            return;
        }

        if (subscription.DeadLetterTopic is { } deadLetterTopic)
        {
            // daprd forwards the original broker bytes, so the dead letter keeps the event's id.
            await publisher.PublishRawAsync(subscription.PubsubName, deadLetterTopic, message.Data, message.Metadata, cancellationToken);
            LogDeadLettered(logger, fields?["id"], subscription.Topic, deadLetterTopic, outcome.Reason);
            return;
        }

        if (outcome.Status == DeliveryStatus.Drop)
        {
            LogDropped(logger, fields?["id"], subscription.Topic, outcome.Reason);
            return;
        }

        LogFailed(logger, fields?["id"], subscription.Topic, outcome.Reason);
        throw new DeliveryFailedException($"delivery of topic {subscription.Topic} to /{path} failed: {outcome.Reason}");
    }

    private Dictionary<string, string> Headers(PubSubMessage message, CloudEventFields? fields)
    {
        var headers = new Dictionary<string, string>(message.Metadata.Count + 3, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in message.Metadata)
        {
            headers[key] = value;
        }

        headers["pubsubName"] = subscription.PubsubName;
        if (fields?["traceparent"] is { Length: > 0 } traceParent)
        {
            headers["traceparent"] = traceParent;
        }

        if (fields?["tracestate"] is { Length: > 0 } traceState)
        {
            headers["tracestate"] = traceState;
        }

        return headers;
    }

    [LoggerMessage(1, LogLevel.Warning, "dropping expired message {MessageId} on topic {Topic}")]
    private static partial void LogExpired(ILogger logger, string? messageId, string topic);

    [LoggerMessage(2, LogLevel.Warning, "message {MessageId} on topic {Topic} sent to dead-letter topic {DeadLetterTopic}: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string? messageId, string topic, string deadLetterTopic, string reason);

    [LoggerMessage(3, LogLevel.Warning, "message {MessageId} on topic {Topic} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string? messageId, string topic, string reason);

    [LoggerMessage(4, LogLevel.Error, "delivery of message {MessageId} on topic {Topic} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string? messageId, string topic, string reason);
}
