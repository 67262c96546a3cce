using System.Collections.Concurrent;
using System.Text.Json;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;
using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.Delivery;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Streaming;

/// <summary>
/// One <c>SubscribeTopicEventsAlpha1</c> call seen as a delivery target: each event goes out as an
/// <c>event_message</c> frame, several may be in flight, and each waits for the
/// <c>event_processed</c> with its CloudEvent id. When the stream ends, every wait ends as cancelled,
/// so the component neither acks nor dead-letters and the broker redelivers later
/// (dapr-streaming-and-bulk.md A.4, daprd ≥ 1.17.6).
/// </summary>
public sealed class StreamConnection : IDeliveryTarget, IDisposable
{
    private readonly IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> _responses;
    private readonly AppSubscription _subscription;
    private readonly CancellationTokenSource _closed;
    // gRPC allows one write at a time on a stream; deliveries run concurrently.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DeliveryOutcome>> _awaitingAck = new(StringComparer.Ordinal);
    private int _disposed;

    public StreamConnection(IServerStreamWriter<SubscribeTopicEventsResponseAlpha1> responses, AppSubscription subscription, CancellationToken callEnded)
    {
        _responses = responses;
        _subscription = subscription;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(callEnded);
    }

    /// <summary>Cancelled once the stream is over, by the client or by <see cref="Close"/>.</summary>
    public CancellationToken Closed => _closed.Token;

    public Task SendInitialResponseAsync() =>
        WriteAsync(new SubscribeTopicEventsResponseAlpha1 { InitialResponse = new SubscribeTopicEventsResponseInitialAlpha1() }, Closed);

    public async Task<DeliveryOutcome> DeliverAsync(string path, SubscriberEvent cloudEvent, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        TopicEventRequest message;
        try
        {
            // daprd streams always use route "/" and put the CloudEvent's own attributes in the frame.
            message = cloudEvent.RawPayload is { } raw
                ? TopicEventRequests.FromRawPayload(raw, "/")
                : TopicEventRequests.From(cloudEvent.CloudEvent, _subscription.PubsubName, _subscription.Topic, "/");
        }
        catch (JsonException ex)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, $"the message is not a CloudEvent: {ex.Message}");
        }

        // Keyed by id as daprd keys its per-connection acks. Should the broker hand the same id out
        // again while it still waits (Redis XCLAIM after processingTimeout), the newer delivery
        // takes the ack and the older one waits until the stream ends.
        // Settled on the stream's read loop, which then runs the rest of the delivery (the broker's
        // ack, the worker's next message up to its own wait) before reading the next frame: one
        // thread-pool hop, and the wake-up of a second worker, fewer per event. Nothing after the
        // wait blocks, so the read loop is held only for that synchronous part.
        var ack = new TaskCompletionSource<DeliveryOutcome>();
        _awaitingAck[message.Id] = ack;
        try
        {
            await WriteAsync(new SubscribeTopicEventsResponseAlpha1 { EventMessage = message }, cancellationToken);
            return await ack.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _awaitingAck.TryRemove(new KeyValuePair<string, TaskCompletionSource<DeliveryOutcome>>(message.Id, ack));
        }
    }

    /// <summary>
    /// Settles the event with this id. An unknown id (already settled, or never sent on this stream)
    /// is ignored, as daprd does; a missing status is SUCCESS, and RETRY or an unknown value retries.
    /// </summary>
    public bool Acknowledge(SubscribeTopicEventsRequestProcessedAlpha1 processed)
    {
        if (!_awaitingAck.TryRemove(processed.Id, out var ack))
        {
            return false;
        }

        ack.TrySetResult((processed.Status?.Status ?? TopicEventResponse.Types.TopicEventResponseStatus.Success) switch
        {
            TopicEventResponse.Types.TopicEventResponseStatus.Success => DeliveryOutcome.Success,
            TopicEventResponse.Types.TopicEventResponseStatus.Drop => new DeliveryOutcome(DeliveryStatus.Drop, "the app asked to drop"),
            var status => new DeliveryOutcome(DeliveryStatus.Retry, $"the app answered {status}"),
        });
        return true;
    }

    public void Close() => _closed.Cancel();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _closed.Cancel();
            _closed.Dispose();
            _writeLock.Dispose();
        }
    }

    private async Task WriteAsync(SubscribeTopicEventsResponseAlpha1 frame, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Closed);
        await _writeLock.WaitAsync(either.Token);
        try
        {
            await _responses.WriteAsync(frame, either.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A write fails only when the call is gone: the stream is over for every delivery on it.
            _closed.Cancel();
            throw new OperationCanceledException("stream closed", ex, Closed);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
