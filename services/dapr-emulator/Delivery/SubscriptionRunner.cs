using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Hosting;
using Suite.DaprEmulator.Publishing;
using Suite.DaprEmulator.Resiliency;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Delivery;

/// <summary>
/// Waits for the app, reads its subscriptions (programmatic and declarative), and keeps one broker
/// subscription per (pubsub, topic) running until shutdown. A subscription the broker refuses (a
/// JetStream stream that does not exist yet) is retried every few seconds rather than given up
/// until restart, which is what daprd does.
/// </summary>
public sealed partial class SubscriptionRunner(
    SidecarOptions options,
    LoadedResources resources,
    ComponentRegistry components,
    AppChannel channel,
    Publisher publisher,
    SubscriptionDirectory directory,
    SidecarReadiness readiness,
    TimeProvider time,
    ILogger<SubscriptionRunner> logger) : BackgroundService
{
    private static readonly TimeSpan SubscribeRetryInterval = TimeSpan.FromSeconds(2);
    private readonly List<IAsyncDisposable> _active = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.AppPort is null)
        {
            readiness.MarkAppReady();
            return;
        }

        await channel.WaitForAppAsync(stoppingToken);
        var subscriptions = resources.Subscriptions.Concat(await ReadAppSubscriptionsAsync(stoppingToken)).ToList();
        directory.Set(subscriptions);
        await Task.WhenAll(subscriptions.Select(s => SubscribeAsync(s, stoppingToken)));
        readiness.MarkAppReady();
        LogRunning(logger, subscriptions.Count, options.AppId);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        List<IAsyncDisposable> active;
        lock (_active)
        {
            active = [.. _active];
            _active.Clear();
        }

        foreach (var subscription in active)
        {
            await subscription.DisposeAsync();
        }
    }

    private async Task<IReadOnlyList<AppSubscription>> ReadAppSubscriptionsAsync(CancellationToken cancellationToken)
    {
        // daprd retries the call during start (DaprBuiltInInitializationRetries) and then goes on without.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await channel.GetSubscriptionsAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException && attempt < 5)
            {
                LogSubscribeListFailed(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), time, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException)
            {
                LogSubscribeListGaveUp(logger, ex.Message);
                return [];
            }
        }
    }

    private async Task SubscribeAsync(AppSubscription subscription, CancellationToken stoppingToken)
    {
        if (!components.PubSubs.TryGetValue(subscription.PubsubName, out var pubSub))
        {
            LogUnknownPubSub(logger, subscription.PubsubName, subscription.Topic);
            return;
        }

        if (subscription.BulkSubscribe)
        {
            LogBulkUnsupported(logger, subscription.Topic);
        }

        var routes = new RouteMatcher(subscription, match => LogUnsupportedMatch(logger, subscription.Topic, match));
        var delivery = new TopicDelivery(
            subscription,
            routes,
            channel,
            resources.Resiliency.ForComponent(subscription.PubsubName, "pubsub", ComponentDirection.Inbound, time),
            publisher,
            time,
            logger);
        var topic = new PubSub.TopicSubscription(subscription.Topic, subscription.Metadata);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handle = await pubSub.SubscribeAsync(topic, delivery.HandleAsync, stoppingToken);
                lock (_active)
                {
                    _active.Add(handle);
                }

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSubscribeFailed(logger, subscription.PubsubName, subscription.Topic, ex.Message);
                await Task.Delay(SubscribeRetryInterval, time, stoppingToken);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "app {AppId} subscribed to {Count} topics")]
    private static partial void LogRunning(ILogger logger, int count, string appId);

    [LoggerMessage(2, LogLevel.Warning, "reading the app's subscriptions failed (attempt {Attempt}): {Reason}")]
    private static partial void LogSubscribeListFailed(ILogger logger, int attempt, string reason);

    [LoggerMessage(3, LogLevel.Error, "could not read the app's subscriptions; going on without programmatic subscriptions: {Reason}")]
    private static partial void LogSubscribeListGaveUp(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Error, "subscription to topic {Topic} names pubsub {PubsubName}, which is not loaded; it is ignored")]
    private static partial void LogUnknownPubSub(ILogger logger, string pubsubName, string topic);

    [LoggerMessage(5, LogLevel.Warning, "subscription to topic {Topic} asks for bulk delivery, which the emulator does not support; messages are delivered one by one")]
    private static partial void LogBulkUnsupported(ILogger logger, string topic);

    [LoggerMessage(6, LogLevel.Warning, "routing rule '{Match}' on topic {Topic} is outside the CEL subset the emulator evaluates; it never matches")]
    private static partial void LogUnsupportedMatch(ILogger logger, string topic, string match);

    [LoggerMessage(7, LogLevel.Error, "subscribing to topic {Topic} on pubsub {PubsubName} failed, retrying: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string pubsubName, string topic, string reason);
}
