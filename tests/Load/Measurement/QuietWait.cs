using System.Diagnostics;

namespace Suite.Load.Measurement;

/// <summary>
/// Waits until a set of processes goes quiet: under <c>share</c> of a core in <c>inARow</c> 1-second
/// samples in a row, or <c>timeout</c> passed. Read from /proc, so waiting adds no work to them.
/// </summary>
internal static class QuietWait
{
    /// <param name="untilCompiled">
    /// Count a sample as quiet only when no process's tier-1 compilation thread ran in it either: its
    /// bursts come seconds apart, so a few quiet samples in between do not mean it is done.
    /// </param>
    /// <returns>How long it waited and the processes' CPU meanwhile (null when none could be read).</returns>
    public static async Task<(TimeSpan Elapsed, TimeSpan? Cpu)> UntilAsync(
        IReadOnlyCollection<int> processIds, double share, int inARow, TimeSpan timeout, Action<double> busyNow, CancellationToken cancellationToken,
        bool untilCompiled = false)
    {
        var started = Stopwatch.GetTimestamp();
        var (first, read) = ServerCpu.Total(processIds);
        if (read == 0)
        {
            return (TimeSpan.Zero, null);
        }

        var last = first;
        var compiling = TieredCompilation.Take(processIds);
        var quiet = 0;
        while (quiet < inARow && Stopwatch.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = ServerCpu.Total(processIds).Cpu;
            var busy = (now - last).TotalSeconds;
            busyNow(busy);
            var compiledNow = TieredCompilation.Take(processIds);
            var compiled = untilCompiled && compiledNow.RanSince(compiling);
            quiet = busy <= share && !compiled ? quiet + 1 : 0;
            last = now;
            compiling = compiledNow;
        }

        return (Stopwatch.GetElapsedTime(started), last - first);
    }
}
