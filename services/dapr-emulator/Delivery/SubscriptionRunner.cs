using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Hosting;
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
    TopicSubscriber subscriber,
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
        var programmatic = await ReadAppSubscriptionsAsync(stoppingToken);
        var subscriptions = resources.Subscriptions.Concat(programmatic).ToList();
        directory.SetAppSubscriptions(resources.Subscriptions, programmatic);
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

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handle = await subscriber.SubscribeAsync(pubSub, subscription, channel, deliveryToken: null, stoppingToken);
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

    [LoggerMessage(7, LogLevel.Error, "subscribing to topic {Topic} on pubsub {PubsubName} failed, retrying: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string pubsubName, string topic, string reason);
}
