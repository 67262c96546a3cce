using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.PubSub;
using Suite.DaprEmulator.Publishing;
using Suite.DaprEmulator.Resiliency;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Delivery;

/// <summary>
/// Starts one component subscription that delivers to a target, the same way for the app's
/// declarative and programmatic subscriptions (HTTP) and for streaming subscriptions: the route
/// rules, the component's inbound resiliency policy and the dead-letter topic all apply.
/// </summary>
public sealed partial class TopicSubscriber(
    LoadedResources resources,
    Publisher publisher,
    TimeProvider time,
    ILogger<TopicSubscriber> logger)
{
    /// <summary>
    /// Returns once the broker-side subscription exists; disposing the result stops it.
    /// With <paramref name="deliveryToken"/>, each delivery runs until that token ends instead of
    /// until the component's own deadline: daprd delivers stream events on a background context, so
    /// only the stream's end (or a resiliency timeout) ends the wait for an ack, not e.g. Redis'
    /// processingTimeout (dapr-streaming-and-bulk.md A.3).
    /// </summary>
    public Task<IAsyncDisposable> SubscribeAsync(
        IPubSub pubSub,
        AppSubscription subscription,
        IDeliveryTarget target,
        CancellationToken? deliveryToken,
        CancellationToken cancellationToken)
    {
        if (subscription.BulkSubscribe)
        {
            LogBulkUnsupported(logger, subscription.Topic);
        }

        var routes = new RouteMatcher(subscription, match => LogUnsupportedMatch(logger, subscription.Topic, match));
        var delivery = new TopicDelivery(
            subscription,
            routes,
            target,
            resources.Resiliency.ForComponent(subscription.PubsubName, "pubsub", ComponentDirection.Inbound, time),
            publisher,
            time,
            logger);
        MessageHandler handler = deliveryToken is { } token ? (message, _) => delivery.HandleAsync(message, token) : delivery.HandleAsync;
        return pubSub.SubscribeAsync(new TopicSubscription(subscription.Topic, subscription.Metadata), handler, cancellationToken);
    }

    [LoggerMessage(1, LogLevel.Warning, "subscription to topic {Topic} asks for bulk delivery, which the emulator does not support; messages are delivered one by one")]
    private static partial void LogBulkUnsupported(ILogger logger, string topic);

    [LoggerMessage(2, LogLevel.Warning, "routing rule '{Match}' on topic {Topic} is outside the CEL subset the emulator evaluates; it never matches")]
    private static partial void LogUnsupportedMatch(ILogger logger, string topic, string match);
}
