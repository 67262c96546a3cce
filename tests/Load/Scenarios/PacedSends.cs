using System.Diagnostics;

namespace Suite.Load.Scenarios;

/// <summary>
/// Sends numbered messages at a fixed overall rate: message i is due at start + i / rate. Each send
/// carries its <em>scheduled</em> time, so a generator that falls behind shows up as latency rather
/// than as a quietly lower rate (no coordinated omission). Sends overlap, up to a bound.
/// </summary>
/// <remarks>
/// The schedule is kept by a thread of its own that sleeps until each message's time
/// (<see cref="PreciseSleep"/>) and starts its send there; the sends complete on the thread pool.
/// </remarks>
internal static class PacedSends
{
    // The longest single sleep, so a cancellation is seen within it even at low rates.
    private static readonly long LongestSleep = Stopwatch.Frequency / 20;

    /// <param name="send">Sends message i stamped with its scheduled <see cref="Stopwatch"/> time; it counts its own failures.</param>
    /// <returns>The stopwatch timestamp the schedule started at, and how long issuing took.</returns>
    public static async Task<(long Start, TimeSpan Issuing)> RunAsync(
        int count, double perSecond, int inFlight, Func<int, long, CancellationToken, Task> send, Action<int>? issued, CancellationToken cancellationToken)
    {
        var limit = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(count);
        var issuing = new TaskCompletionSource<(long Start, TimeSpan Issuing)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pacer = new Thread(() =>
        {
            try
            {
                issuing.SetResult(Issue());
            }
            catch (Exception ex)
            {
                issuing.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "paced sends",
        };
        pacer.Start();
        var result = await issuing.Task;
        await Task.WhenAll(pending);
        return result;

        (long, TimeSpan) Issue()
        {
            PreciseSleep.TightenThisThread();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var due = StopwatchAt(start, TimeSpan.FromSeconds(i / perSecond));
                for (var now = Stopwatch.GetTimestamp(); now < due; now = Stopwatch.GetTimestamp())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    PreciseSleep.Until(Math.Min(due, now + LongestSleep));
                }

                limit.Wait(cancellationToken);
                pending.Add(SendAndReleaseAsync(i, due));
                issued?.Invoke(i + 1);
            }

            return (start, Stopwatch.GetElapsedTime(start));
        }

        async Task SendAndReleaseAsync(int i, long scheduledAt)
        {
            try
            {
                await send(i, scheduledAt, cancellationToken);
            }
            finally
            {
                limit.Release();
            }
        }
    }

    /// <summary>Stopwatch ticks for "start + offset", the clock benchmark messages carry.</summary>
    public static long StopwatchAt(long start, TimeSpan offset) => start + (long)(offset.TotalSeconds * Stopwatch.Frequency);
}
