using System.Globalization;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>
/// One push consumer's core-NATS subscription on its deliver subject, with contrib's ack rules: +ACK on
/// success, -NAK (with ackWait as delay when set) on failure, nothing when the handler was cancelled.
/// </summary>
internal sealed class JetStreamSubscription : IAsyncDisposable
{
    private static readonly byte[] AckPayload = "+ACK"u8.ToArray();
    private static readonly byte[] NakPayload = "-NAK"u8.ToArray();

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(5);

    private readonly INatsConnection _connection;
    private readonly INatsJSContext _jetStream;
    private readonly INatsSub<byte[]> _sub;
    private readonly JetStreamConsumerPlan _plan;
    private readonly JetStreamMetadata _metadata;
    private readonly MessageHandler _handler;
    private readonly ILogger _logger;
    private readonly byte[] _nakPayload;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<Task> _inFlight = [];
    private readonly Task _loop;
    private readonly Action<JetStreamSubscription> _onDisposed;
    private int _disposed;

    public JetStreamSubscription(
        INatsConnection connection,
        INatsJSContext jetStream,
        INatsSub<byte[]> sub,
        JetStreamConsumerPlan plan,
        JetStreamMetadata metadata,
        MessageHandler handler,
        ILogger logger,
        Action<JetStreamSubscription> onDisposed)
    {
        _connection = connection;
        _jetStream = jetStream;
        _sub = sub;
        _plan = plan;
        _metadata = metadata;
        _handler = handler;
        _logger = logger;
        _onDisposed = onDisposed;

        // NakWithDelay(ackWait) in nats.go: the delay travels as nanoseconds in a JSON suffix.
        _nakPayload = metadata.AckWait > TimeSpan.Zero
            ? Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"-NAK {{\"delay\": {metadata.AckWait.Ticks * 100}}}"))
            : NakPayload;
        _loop = Task.Run(RunAsync);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Cancel first: a handler still running gets OperationCanceledException, so its message is neither
        // acked nor naked and stays with the server, as the IPubSub contract asks.
        await _stopping.CancelAsync();
        try
        {
            await _sub.UnsubscribeAsync();
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException)
        {
            // The connection is already gone; the server dropped the interest with it.
        }

        await _loop;
        Task[] inFlight;
        lock (_inFlight)
        {
            inFlight = [.. _inFlight];
        }

        await Task.WhenAll(inFlight);

        if (_plan.IsEphemeral)
        {
            await DeleteEphemeralConsumerAsync();
        }

        JetStreamLog.Unsubscribed(_logger, _plan.Topic, _plan.ConsumerName);
        _stopping.Dispose();
        _onDisposed(this);
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var msg in _sub.Msgs.ReadAllAsync(_stopping.Token))
            {
                if (msg.Headers is { Code: 100 })
                {
                    await AnswerControlMessageAsync(msg);
                    continue;
                }

                if (_metadata.Parallel)
                {
                    Track(Task.Run(() => HandleAsync(msg)));
                }
                else
                {
                    // Inline, one at a time, as contrib's `single` handles messages in the NATS callback.
                    await HandleAsync(msg);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            JetStreamLog.LoopFailed(_logger, e, _plan.Topic);
        }
    }

    private void Track(Task task)
    {
        lock (_inFlight)
        {
            _inFlight.Add(task);
        }

        _ = task.ContinueWith(
            done =>
            {
                lock (_inFlight)
                {
                    _inFlight.Remove(done);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task HandleAsync(NatsMsg<byte[]> msg)
    {
        var message = new PubSubMessage(
            _plan.Topic,
            msg.Data ?? [],
            new Dictionary<string, string> { ["Topic"] = msg.Subject });
        try
        {
            await _handler(message, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            JetStreamLog.HandlerCancelled(_logger, msg.Subject);
            WarnWhenLastDelivery(msg);
            return;
        }
        catch (Exception e)
        {
            JetStreamLog.HandlerFailed(_logger, e, msg.Subject, _metadata.Acknowledges ? "sending NAK" : "ackPolicy none, dropping it");
            if (_metadata.Acknowledges)
            {
                await ReplyAsync(msg.ReplyTo, _nakPayload, msg.Subject, "NAK");
                WarnWhenLastDelivery(msg);
            }

            return;
        }

        if (_metadata.Acknowledges)
        {
            await ReplyAsync(msg.ReplyTo, AckPayload, msg.Subject, "ACK");
        }
    }

    // The server drops a message silently once maxDeliver deliveries failed; an operator should hear of it.
    private void WarnWhenLastDelivery(NatsMsg<byte[]> msg)
    {
        if (_metadata.Acknowledges && _metadata.MaxDeliver > 0 && JetStreamAckSubject.Deliveries(msg.ReplyTo) is { } delivered && delivered >= _metadata.MaxDeliver)
        {
            JetStreamLog.DeliveriesExhausted(_logger, msg.Subject, delivered, _metadata.MaxDeliver);
        }
    }

    // Flow-control requests carry a reply subject that must be answered or the server stops pushing;
    // an idle heartbeat may name a stalled flow-control subject in Nats-Consumer-Stalled.
    private async Task AnswerControlMessageAsync(NatsMsg<byte[]> msg)
    {
        var replyTo = msg.ReplyTo;
        if (string.IsNullOrEmpty(replyTo) && msg.Headers is { } headers && headers.TryGetLastValue("Nats-Consumer-Stalled", out var stalled))
        {
            replyTo = stalled;
        }

        await ReplyAsync(replyTo, [], msg.Subject, "flow control reply");
    }

    private async Task ReplyAsync(string? replyTo, byte[] payload, string subject, string what)
    {
        if (string.IsNullOrEmpty(replyTo))
        {
            return;
        }

        try
        {
            // Not tied to _stopping: an ack for a message that was handled must still reach the server.
            await _connection.PublishAsync(replyTo, payload, cancellationToken: CancellationToken.None);
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            JetStreamLog.ReplyFailed(_logger, e, what, subject);
        }
    }

    private async Task DeleteEphemeralConsumerAsync()
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await _jetStream.DeleteConsumerAsync(_plan.StreamName, _plan.ConsumerName, timeout.Token);
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            JetStreamLog.DeleteConsumerFailed(_logger, e, _plan.ConsumerName, _plan.StreamName);
        }
    }
}
