using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Suite.ServiceDefaults.Batching;
using Suite.ServiceDefaults.Retrying;

namespace Suite.ServiceDefaults.Lifecycle;

/// <summary>
/// Publishes lifecycle events (<see cref="DaprNames.PresenceLifecycleTopic"/>,
/// <see cref="DaprNames.RoomLifecycleTopic"/>) and presence's <see cref="DaprNames.PresenceChangedTopic"/>
/// for changes that already committed. <see cref="Enqueue"/> neither blocks nor fails, so the
/// caller's reply never waits for the broker. Each topic has its own queue (a
/// <see cref="CoalescingLane{T}"/>): one publish in flight, what is queued meanwhile (up to
/// <see cref="MaxBatch"/>) goes next as one bulk publish, and a failed publish is repeated with
/// backoff until it lands, so a topic keeps its order and a topic that fails holds back no other.
/// A sidecar or broker outage delays events and never drops them while the process lives; a
/// retried publish may repeat events that landed, which consumers drop by version. What is still
/// queued when the process stops gets <see cref="StopDrainTimeout"/> to go out and is logged as
/// lost otherwise.
/// </summary>
public sealed partial class LifecyclePublisher : IHostedService, IDisposable
{
    public const int MaxBatch = 256;

    private static readonly RetryUntilDone Retry = new(First: TimeSpan.FromMilliseconds(100), Max: TimeSpan.FromSeconds(5));
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, CoalescingLane<byte[]>> _topics = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abandoned = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PublishBatch _publish;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _pending;
    private long _published;
    private int _stopping;

    /// <summary>Publishes <paramref name="events"/> (each the JSON of one event) to <paramref name="topic"/>, or throws.</summary>
    public delegate Task PublishBatch(string topic, IReadOnlyList<ReadOnlyMemory<byte>> events, CancellationToken cancellationToken);

    public LifecyclePublisher(PublishBatch publish, TimeProvider time, ILogger<LifecyclePublisher> logger)
    {
        _publish = publish;
        _time = time;
        _logger = logger;
    }

    /// <summary>Events queued and not yet published.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Events published since start (repeats of a retried batch counted once).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Queues one event in the proto3 JSON mapping. Call only after the change it reports committed.</summary>
    public void Enqueue(string topic, IMessage message) =>
        Enqueue(topic, System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message)));

    /// <summary>Queues one event already in the proto3 JSON mapping (UTF-8), for a caller that formats its own. Call only after the change it reports committed.</summary>
    public void Enqueue(string topic, byte[] json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Interlocked.Increment(ref _pending);
        _ = _topics.GetOrAdd(topic, t => new CoalescingLane<byte[]>(batch => PublishWithRetryAsync(t, batch), maxItems: MaxBatch)).Enqueue(json);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _stopping, 1);
        if (Pending == 0)
        {
            return;
        }

        try
        {
            // Not the fake clock a test may run on: a stop must end even if the clock never moves.
            await _drained.Task.WaitAsync(StopDrainTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            try
            {
                await _abandoned.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
                // A host whose Run() ends disposes its services while another StopAsync of it may
                // still be draining (a test host stopped from outside does both): nothing is left to cancel.
            }

            Lost(_logger, Pending);
        }
    }

    public void Dispose() => _abandoned.Dispose();

    // Returns only once the batch landed or the stop gave up on it, so the topic's next batch waits.
    private async Task PublishWithRetryAsync(string topic, IReadOnlyList<byte[]> batch)
    {
        var events = batch.Select(e => (ReadOnlyMemory<byte>)e).ToList();
        try
        {
            await Retry.RunAsync(
                async () =>
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abandoned.Token);
                    timeout.CancelAfter(AttemptTimeout);
                    await _publish(topic, events, timeout.Token);
                    return true;
                },
                (delay, ct) => Task.Delay(delay, _time, ct),
                (ex, attempt, delay) => PublishFailed(_logger, ex, topic, batch.Count, attempt, delay),
                attempt => Recovered(_logger, topic, batch.Count, attempt),
                _abandoned.Token);
        }
        catch (Exception) when (_abandoned.IsCancellationRequested)
        {
            // The stop gave up on what is left (counted as lost there).
            return;
        }

        Interlocked.Add(ref _published, batch.Count);
        if (Interlocked.Add(ref _pending, -batch.Count) == 0 && Volatile.Read(ref _stopping) == 1)
        {
            _drained.TrySetResult();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "publishing {Count} lifecycle events to {Topic} failed (attempt {Attempt}); next try in {Delay}")]
    private static partial void PublishFailed(ILogger logger, Exception exception, string topic, int count, int attempt, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Information, "published {Count} lifecycle events to {Topic} at attempt {Attempt}")]
    private static partial void Recovered(ILogger logger, string topic, int count, int attempt);

    [LoggerMessage(3, LogLevel.Error, "stopped with {Count} lifecycle events not published; they are lost")]
    private static partial void Lost(ILogger logger, long count);
}
