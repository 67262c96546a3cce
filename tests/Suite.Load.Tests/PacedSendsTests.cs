using System.Collections.Concurrent;
using System.Diagnostics;
using Suite.Load.Scenarios;

namespace Suite.Load.Tests;

/// <summary>The generator's schedule: each message starts at its own time, stamped with it, within the in-flight bound.</summary>
public sealed class PacedSendsTests
{
    [Fact]
    public async Task Each_message_starts_no_earlier_than_its_scheduled_time_and_carries_that_time()
    {
        var ct = TestContext.Current.CancellationToken;
        const int count = 40;
        const double perSecond = 400;
        var started = new ConcurrentDictionary<int, (long ScheduledAt, long StartedAt)>();
        var issued = 0;

        var (start, _) = await PacedSends.RunAsync(
            count,
            perSecond,
            inFlight: 8,
            (i, scheduledAt, _) =>
            {
                Assert.True(started.TryAdd(i, (scheduledAt, Stopwatch.GetTimestamp())), $"message {i} was sent twice");
                return Task.CompletedTask;
            },
            n => issued = n,
            ct);

        Assert.Equal(count, started.Count);
        Assert.Equal(count, issued);
        foreach (var (i, (scheduledAt, startedAt)) in started)
        {
            Assert.Equal(PacedSends.StopwatchAt(start, TimeSpan.FromSeconds(i / perSecond)), scheduledAt);
            Assert.True(startedAt >= scheduledAt, $"message {i} started {Stopwatch.GetElapsedTime(startedAt, scheduledAt).TotalMilliseconds:F3} ms before its time");
        }
    }

    [Fact]
    public async Task No_more_than_the_in_flight_bound_are_sent_at_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var inFlight = 0;
        var most = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var atBound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = PacedSends.RunAsync(
            count: 10,
            perSecond: 10_000,
            inFlight: 3,
            async (_, _, _) =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref most, now);
                if (now == 3)
                {
                    atBound.TrySetResult();
                }

                await gate.Task;
                Interlocked.Decrement(ref inFlight);
            },
            null,
            ct);

        await atBound.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.False(run.IsCompleted);
        gate.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(3, most);
    }

    [Fact]
    public async Task A_cancelled_schedule_stops_issuing()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var sent = 0;

        // One message a second: the second is a second away when the first cancels the run.
        var run = PacedSends.RunAsync(
            count: 100,
            perSecond: 1,
            inFlight: 4,
            (_, _, _) =>
            {
                Interlocked.Increment(ref sent);
                cancel.Cancel();
                return Task.CompletedTask;
            },
            null,
            cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(1, Volatile.Read(ref sent));
    }

    [Fact]
    public void A_precise_sleep_does_not_end_before_its_deadline()
    {
        for (var i = 0; i < 20; i++)
        {
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2000);
            PreciseSleep.Until(deadline);
            Assert.True(Stopwatch.GetTimestamp() >= deadline, "woke before the deadline");
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
