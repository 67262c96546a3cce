using Suite.ServiceDefaults.Batching;

namespace Suite.ServiceDefaults.Tests.Batching;

/// <summary>The lane's contract, with work the test holds open and lets finish.</summary>
public sealed class CoalescingLaneTests
{
    private readonly List<string[]> _batches = [];
    private readonly Queue<TaskCompletionSource> _running = new();
    private readonly Lock _lock = new();

    [Fact]
    public async Task An_item_on_an_idle_lane_runs_at_once_alone()
    {
        var lane = new CoalescingLane<string>(ImmediateAsync);

        await lane.Enqueue("a");

        Assert.Equal(["a"], Assert.Single(_batches));
    }

    [Fact]
    public async Task Items_queued_while_a_batch_runs_go_together_in_the_next_batch_in_order()
    {
        var lane = new CoalescingLane<string>(HeldAsync);
        var first = lane.Enqueue("a");
        var later = new[] { lane.Enqueue("b"), lane.Enqueue("c"), lane.Enqueue("d") };

        Release();
        await first;
        await WaitForBatchesAsync(2);
        Release();
        await Task.WhenAll(later);

        Assert.Equal([["a"], ["b", "c", "d"]], Batches());
    }

    [Fact]
    public async Task A_batch_stops_at_the_weight_limit_but_an_item_heavier_than_it_still_goes_alone()
    {
        var lane = new CoalescingLane<string>(HeldAsync, maxWeight: 10);
        var all = new[] { lane.Enqueue("first", 1), lane.Enqueue("six", 6), lane.Enqueue("four", 4), lane.Enqueue("huge", 50), lane.Enqueue("one", 1) };

        for (var batches = 1; batches <= 4; batches++)
        {
            await WaitForBatchesAsync(batches);
            Release();
        }

        await Task.WhenAll(all);
        Assert.Equal([["first"], ["six", "four"], ["huge"], ["one"]], Batches());
    }

    [Fact]
    public async Task A_failed_batch_fails_only_its_own_items_and_the_lane_goes_on()
    {
        var calls = 0;
        var release = new TaskCompletionSource();
        var lane = new CoalescingLane<string>(async items =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await release.Task;
                throw new InvalidOperationException("first batch fails");
            }
        });
        var failing = lane.Enqueue("a");
        var after = lane.Enqueue("b");

        release.SetResult();

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        await after;
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Limits_below_one_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoalescingLane<string>(ImmediateAsync, maxItems: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoalescingLane<string>(ImmediateAsync, maxWeight: 0));
    }

    private Task ImmediateAsync(IReadOnlyList<string> items)
    {
        lock (_lock)
        {
            _batches.Add([.. items]);
        }

        return Task.CompletedTask;
    }

    // Each batch waits until the test releases it, so later items pile up behind it.
    private Task HeldAsync(IReadOnlyList<string> items)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _batches.Add([.. items]);
            _running.Enqueue(held);
        }

        return held.Task;
    }

    private void Release()
    {
        lock (_lock)
        {
            _running.Dequeue().SetResult();
        }
    }

    private string[][] Batches()
    {
        lock (_lock)
        {
            return [.. _batches];
        }
    }

    private Task WaitForBatchesAsync(int count) =>
        Suite.Testing.Eventually.UntilAsync(() => Batches().Length >= count, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken, $"batch {count} started");
}
