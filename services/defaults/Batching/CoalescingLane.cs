namespace Suite.ServiceDefaults.Batching;

/// <summary>
/// One piece of work in flight at a time; whatever is queued meanwhile goes into the next batch
/// (at most <c>maxItems</c> items and <c>maxWeight</c> of weight, but always at least one item). A
/// quiet caller pays one batch per item, as if it called the work directly, with no added delay;
/// busy callers share one round trip per batch instead of paying one each. Items are handed to the
/// work in the order they were queued, and batches run one after another.
/// </summary>
/// <remarks>
/// Each <see cref="Enqueue"/> returns a task that completes when the batch holding the item
/// completes, or fails with the batch's exception. The loop takes no caller's token, so one caller's
/// cancellation does not stop a batch that carries other callers' items.
/// </remarks>
public sealed class CoalescingLane<T>
{
    private readonly Func<IReadOnlyList<T>, Task> _work;
    private readonly int _maxItems;
    private readonly int _maxWeight;
    private readonly Lock _lock = new();
    private readonly Queue<(T Item, int Weight, TaskCompletionSource Done)> _queued = new();
    private bool _running;

    public CoalescingLane(Func<IReadOnlyList<T>, Task> work, int maxItems = int.MaxValue, int maxWeight = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        _work = work;
        _maxItems = maxItems;
        _maxWeight = maxWeight;
    }

    /// <summary>Queues the item before it returns, so items queued in turn keep their order.</summary>
    public Task Enqueue(T item, int weight = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _queued.Enqueue((item, weight, done));
            if (_running)
            {
                return done.Task;
            }

            _running = true;
        }

        // Started inline (no thread-pool hop before the work's first await: on the hot paths that
        // is a wake-up per item); it takes no caller's token.
        _ = RunQueuedAsync();
        return done.Task;
    }

    private async Task RunQueuedAsync()
    {
        while (TakeBatch() is { } batch)
        {
            try
            {
                await _work(batch.ConvertAll(b => b.Item));
                batch.ForEach(b => b.Done.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(b => b.Done.TrySetException(ex));
            }
        }
    }

    // Null once the queue is empty, and then the loop has stopped: the next Enqueue starts one.
    private List<(T Item, int Weight, TaskCompletionSource Done)>? TakeBatch()
    {
        lock (_lock)
        {
            if (_queued.Count == 0)
            {
                _running = false;
                return null;
            }

            var batch = new List<(T, int, TaskCompletionSource)>();
            var weight = 0;
            while (_queued.TryPeek(out var next) && batch.Count < _maxItems && (batch.Count == 0 || weight + next.Weight <= _maxWeight))
            {
                weight += next.Weight;
                batch.Add(_queued.Dequeue());
            }

            return batch;
        }
    }
}
