using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Suite.ServiceDefaults.Lifecycle;

/// <summary>
/// Publishes lifecycle events (<see cref="DaprNames.PresenceLifecycleTopic"/>,
/// <see cref="DaprNames.RoomLifecycleTopic"/>) for changes that already committed. <see cref="Enqueue"/>
/// neither blocks nor fails, so the caller's reply never waits for the broker; one loop takes what is
/// queued (up to <see cref="MaxBatch"/>), publishes each topic's share as one bulk publish, and
/// repeats a failed publish with backoff until it lands, in queue order. A sidecar or broker outage
/// delays events and never drops them while the process lives; a retried publish may repeat events
/// that landed, which consumers drop by version. What is still queued when the process stops gets
/// <see cref="StopDrainTimeout"/> to go out and is logged as lost otherwise.
/// </summary>
public sealed partial class LifecyclePublisher : BackgroundService
{
    public const int MaxBatch = 256;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<Entry> _queue = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Entry> _batch = [];
    private readonly PublishBatch _publish;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _pending;
    private long _published;

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
    public void Enqueue(string topic, IMessage message)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message));
        Interlocked.Increment(ref _pending);
        _queue.Writer.TryWrite(new Entry(topic, json));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await PublishQueuedAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Not the fake clock a test may run on: a stop must end even if the clock never moves.
        using var drain = new CancellationTokenSource(StopDrainTimeout);
        try
        {
            while (_batch.Count > 0 || _queue.Reader.TryPeek(out _))
            {
                await PublishQueuedAsync(drain.Token);
            }
        }
        catch (OperationCanceledException)
        {
            Lost(_logger, Pending);
        }
    }

    // The batch lives in a field: one cut short by the stop is published first by the drain.
    private async Task PublishQueuedAsync(CancellationToken cancellationToken)
    {
        while (_batch.Count < MaxBatch && _queue.Reader.TryRead(out var entry))
        {
            _batch.Add(entry);
        }

        while (_batch.Count > 0)
        {
            var topic = _batch[0].Topic;
            var share = _batch.Where(e => e.Topic == topic).ToList();
            await PublishWithRetryAsync(topic, share, cancellationToken);
            _batch.RemoveAll(e => e.Topic == topic);
            Interlocked.Add(ref _pending, -share.Count);
            Interlocked.Add(ref _published, share.Count);
        }
    }

    private async Task PublishWithRetryAsync(string topic, List<Entry> share, CancellationToken cancellationToken)
    {
        var events = share.Select(e => (ReadOnlyMemory<byte>)e.Json).ToList();
        var delay = FirstRetry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(AttemptTimeout);
                await _publish(topic, events, timeout.Token);
                if (attempt > 1)
                {
                    Recovered(_logger, topic, share.Count, attempt);
                }

                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                PublishFailed(_logger, ex, topic, share.Count, attempt, delay);
            }

            await Task.Delay(delay, _time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetry.Ticks));
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "publishing {Count} lifecycle events to {Topic} failed (attempt {Attempt}); next try in {Delay}")]
    private static partial void PublishFailed(ILogger logger, Exception exception, string topic, int count, int attempt, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Information, "published {Count} lifecycle events to {Topic} at attempt {Attempt}")]
    private static partial void Recovered(ILogger logger, string topic, int count, int attempt);

    [LoggerMessage(3, LogLevel.Error, "stopped with {Count} lifecycle events not published; they are lost")]
    private static partial void Lost(ILogger logger, long count);

    private readonly record struct Entry(string Topic, byte[] Json);
}
