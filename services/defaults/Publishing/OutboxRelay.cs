using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Suite.ServiceDefaults.Retrying;

namespace Suite.ServiceDefaults.Publishing;

/// <summary>
/// Publishes what an <see cref="IOutbox"/> holds, oldest first, and removes it once published. A
/// failed publish is tried again with exponential backoff (on the TimeProvider) for as long as it
/// takes, and nothing behind it goes first, so an outage of the sidecar or broker of any length
/// delays events and keeps their order; events stay in the store, so a restart or another replica's
/// relay publishes them too. Delivery is at least once: an event published but not yet removed when
/// the process stops, or drained by two replicas at once, goes out again, so consumers must accept a
/// repeat (presence.edges consumers do: they act on incarnation and lease generation).
/// </summary>
public sealed partial class OutboxRelay : BackgroundService
{
    /// <summary>Publishes one event's JSON to its topic, or throws.</summary>
    public delegate Task Publish(string topic, string json, CancellationToken cancellationToken);

    private readonly IOutbox _outbox;
    private readonly Publish _publish;
    private readonly Func<CancellationToken, Task> _ready;
    private readonly OutboxRelayOptions _options;
    private readonly RetryUntilDone _retry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private TaskCompletionSource _wake = NewSignal();
    private long _published;
    private long _failures;
    private int _waiting;

    /// <param name="ready">
    /// Awaited once before the first pass, e.g. DaprClient.WaitForSidecarAsync: a gRPC call to a
    /// sidecar still starting would leave the channel backing off and fail the service's first calls.
    /// </param>
    public OutboxRelay(IOutbox outbox, Publish publish, Func<CancellationToken, Task> ready, OutboxRelayOptions options, TimeProvider time, ILogger<OutboxRelay> logger)
    {
        _outbox = outbox;
        _publish = publish;
        _ready = ready;
        _options = options;
        _retry = new RetryUntilDone(options.FirstRetryDelay, options.MaxRetryDelay);
        _time = time;
        _logger = logger;
    }

    /// <summary>Events published since start (a repeat after a failed removal counted again).</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Failed steps (read, publish or remove) since start, each tried again after a backoff.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Events read at the last pass and not yet published and removed.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Wakes the relay after a change stored an event, so it goes out now rather than at the next poll.</summary>
    public void Notify() => Volatile.Read(ref _wake).TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _ready(stoppingToken);

            // The first pass runs at start: events a previous process stored and did not publish.
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before the pass, so a Notify during it wakes the next one at once.
                var next = NewSignal();
                Volatile.Write(ref _wake, next);
                await DrainAsync(stoppingToken);

                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(next.Task, Task.Delay(_options.PollInterval, _time, poll.Token));
                await poll.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // A Notify ends the wait early: a change was just stored, so the store is back at least, and an
    // outbox stuck behind a long delay (or a clock a test moves by hand) should try again now.
    private async Task BackoffAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var wake = Volatile.Read(ref _wake);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(wake.Task, Task.Delay(delay, _time, wait.Token));
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        if (wake.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _wake, NewSignal(), wake);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var pending = await WithRetryAsync("read", () => _outbox.PendingAsync(cancellationToken), cancellationToken);
        Volatile.Write(ref _waiting, pending.Count);
        var done = new List<string>(Math.Min(pending.Count, _options.RemoveBatch));
        foreach (var outboxEvent in pending)
        {
            await WithRetryAsync(outboxEvent.Topic, async () =>
            {
                // The real clock: a hung call must end even where the TimeProvider is a test's fake one.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.AttemptTimeout);
                await _publish(outboxEvent.Topic, outboxEvent.Json, timeout.Token);
                return true;
            }, cancellationToken);
            Interlocked.Increment(ref _published);
            done.Add(outboxEvent.Id);
            if (done.Count == _options.RemoveBatch)
            {
                await RemoveAsync(done, cancellationToken);
            }
        }

        await RemoveAsync(done, cancellationToken);
    }

    private async Task RemoveAsync(List<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await WithRetryAsync("remove", async () =>
        {
            await _outbox.RemoveAsync(ids, cancellationToken);
            return true;
        }, cancellationToken);
        Interlocked.Add(ref _waiting, -ids.Count);
        ids.Clear();
    }

    private Task<T> WithRetryAsync<T>(string step, Func<Task<T>> attempt, CancellationToken cancellationToken) =>
        _retry.RunAsync(
            attempt,
            BackoffAsync,
            (ex, number, delay) =>
            {
                Interlocked.Increment(ref _failures);
                LogFailed(_logger, ex, step, number, delay);
            },
            number => LogRecovered(_logger, step, number),
            cancellationToken);

    [LoggerMessage(1, LogLevel.Warning, "outbox {Step} failed (attempt {Attempt}); next try in {Delay}, the events wait in the store")]
    private static partial void LogFailed(ILogger logger, Exception exception, string step, int attempt, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Information, "outbox {Step} succeeded at attempt {Attempt}")]
    private static partial void LogRecovered(ILogger logger, string step, int attempt);
}
