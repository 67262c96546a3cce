using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Delivery;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Streaming;

/// <summary>
/// daprd's <c>SubscribeTopicEventsAlpha1</c> (dapr-streaming-and-bulk.md A.2): the first frame must
/// be an initial request; the component subscription is made with its metadata, and only once it
/// runs does the client get <c>initial_response</c>. Then events flow through the same
/// <see cref="TopicDelivery"/> as HTTP deliveries (inbound resiliency, dead letters, the broker's own
/// ack rules), and acks come back on the same stream. Closing the stream stops that connection's
/// component subscription.
/// </summary>
public sealed partial class StreamingSubscriptions(
    ComponentRegistry components,
    TopicSubscriber subscriber,
    SubscriptionDirectory directory,
    IHostApplicationLifetime lifetime,
    ILogger<StreamingSubscriptions> logger)
{
    public async Task RunAsync(
        IAsyncStreamReader<SubscribeTopicEventsRequestAlpha1> requests,
        IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> responses,
        ServerCallContext context)
    {
        // A stopping sidecar ends its streams, as daprd does on shutdown; otherwise the host would
        // wait out its shutdown timeout for calls that only the client ends.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var callEnded = ended.Token;
        if (!await ReadAsync(requests, callEnded) || requests.Current.InitialRequest is not { } initial)
        {
            throw Plain("initial request is required");
        }

        var subscription = SubscriptionOf(initial);
        if (!components.PubSubs.TryGetValue(subscription.PubsubName, out var pubSub))
        {
            throw PubSubNotFound(subscription.PubsubName);
        }

        using var connection = new StreamConnection(responses, subscription, callEnded);
        IAsyncDisposable? componentSubscription = null;
        try
        {
            try
            {
                componentSubscription = await subscriber.SubscribeAsync(pubSub, subscription, connection, connection.Closed, callEnded);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Plain($"failed to subscribe to topic {subscription.Topic} on pubsub {subscription.PubsubName}: {ex.Message}");
            }

            using var listing = directory.AddStream(subscription);
            await connection.SendInitialResponseAsync();
            LogOpened(logger, subscription.PubsubName, subscription.Topic);

            while (await ReadAsync(requests, callEnded))
            {
                var frame = requests.Current;
                if (frame.InitialRequest is not null)
                {
                    throw Plain("duplicate initial request received");
                }

                if (frame.EventProcessed is { } processed && !connection.Acknowledge(processed))
                {
                    LogUnknownAck(logger, processed.Id, subscription.Topic);
                }
            }
        }
        finally
        {
            // In-flight deliveries end as cancelled before the component stops, so none is acked,
            // nacked or dead-lettered; the broker still holds them.
            connection.Close();
            if (componentSubscription is not null)
            {
                await componentSubscription.DisposeAsync();
            }

            LogClosed(logger, subscription.PubsubName, subscription.Topic);
        }
    }

    private static AppSubscription SubscriptionOf(SubscribeTopicEventsRequestInitialAlpha1 initial)
    {
        if (string.IsNullOrEmpty(initial.PubsubName))
        {
            throw Plain("pubsubName is required");
        }

        if (string.IsNullOrEmpty(initial.Topic))
        {
            throw Plain("topic is required");
        }

        // The SDK always sends dead_letter_topic, as "" when none is configured. Streams have the one
        // route "/" (stored without the slash, as app routes are).
        return new AppSubscription(
            initial.PubsubName,
            initial.Topic,
            new Dictionary<string, string>(initial.Metadata),
            [],
            "",
            string.IsNullOrEmpty(initial.DeadLetterTopic) ? null : initial.DeadLetterTopic,
            BulkSubscribe: false);
    }

    // A client that goes away mid-read ends the call; that is a close, not an error.
    private static async Task<bool> ReadAsync(IAsyncStreamReader<SubscribeTopicEventsRequestAlpha1> requests, CancellationToken callEnded)
    {
        try
        {
            return await requests.MoveNext(callEnded);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && callEnded.IsCancellationRequested)
        {
            return false;
        }
    }

    // daprd returns these as plain Go errors, which gRPC reports as Unknown.
    private static RpcException Plain(string message) => new(new Status(StatusCode.Unknown, message));

    private static RpcException PubSubNotFound(string name)
    {
        var message = $"pubsub {name} is not found";
        var details = new Google.Rpc.Status
        {
            Code = (int)StatusCode.InvalidArgument,
            Message = message,
            Details = { Any.Pack(new Google.Rpc.ErrorInfo { Reason = "DAPR_PUBSUB_NOT_FOUND", Domain = "dapr.io", Metadata = { ["pubsubName"] = name } }) },
        };
        return new RpcException(
            new Status(StatusCode.InvalidArgument, message),
            new Metadata { { "grpc-status-details-bin", details.ToByteArray() } });
    }

    [LoggerMessage(1, LogLevel.Information, "streaming subscription to topic {Topic} on pubsub {PubsubName} opened")]
    private static partial void LogOpened(ILogger logger, string pubsubName, string topic);

    [LoggerMessage(2, LogLevel.Information, "streaming subscription to topic {Topic} on pubsub {PubsubName} closed")]
    private static partial void LogClosed(ILogger logger, string pubsubName, string topic);

    [LoggerMessage(3, LogLevel.Warning, "ack for unknown message {MessageId} on the stream of topic {Topic} ignored")]
    private static partial void LogUnknownAck(ILogger logger, string messageId, string topic);
}
