using System.Diagnostics;

namespace Suite.Load.Scenarios;

/// <summary>
/// Sends numbered messages at a fixed overall rate: message i is due at start + i / rate. Each send
/// carries its <em>scheduled</em> time, so a generator that falls behind shows up as latency rather
/// than as a quietly lower rate (no coordinated omission). Sends overlap, up to a bound.
/// </summary>
internal static class PacedSends
{
    /// <param name="send">Sends message i stamped with its scheduled <see cref="Stopwatch"/> time; it counts its own failures.</param>
    /// <returns>The stopwatch timestamp the schedule started at, and how long issuing took.</returns>
    public static async Task<(long Start, TimeSpan Issuing)> RunAsync(
        int count, double perSecond, int inFlight, Func<int, long, CancellationToken, Task> send, Action<int>? issued, CancellationToken cancellationToken)
    {
        var limit = new SemaphoreSlim(inFlight);
        var pending = new List<Task>(count);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var offset = TimeSpan.FromSeconds(i / perSecond);
            var wait = offset - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            await limit.WaitAsync(cancellationToken);
            pending.Add(SendAndReleaseAsync(i, StopwatchAt(start, offset)));
            issued?.Invoke(i + 1);
        }

        var issuing = Stopwatch.GetElapsedTime(start);
        await Task.WhenAll(pending);
        return (start, issuing);

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
