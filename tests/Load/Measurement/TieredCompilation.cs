namespace Suite.Load.Measurement;

/// <summary>
/// CPU of .NET's tier-1 compilation thread in server processes, read from /proc. After a burst of new
/// work (start-up, connects, the first fan-out) it recompiles the methods the burst made hot, in bursts
/// of its own for tens of seconds: a one-time cost that a short window can mistake for the work itself
/// (docs/benchmarks.md, "The idle regression is the JIT").
/// </summary>
internal sealed class TieredCompilation
{
    // The kernel keeps 15 characters of a thread's name: ".NET Tiered Com".
    public const string ThreadNamePrefix = ".NET Tiered";

    private readonly Dictionary<(int Pid, int Tid), TimeSpan> _byThread;

    private TieredCompilation(Dictionary<(int Pid, int Tid), TimeSpan> byThread) => _byThread = byThread;

    /// <param name="threadNamePrefix">The compilation thread's name; tests pass one of their own threads'.</param>
    public static TieredCompilation Take(IEnumerable<int> processIds, string threadNamePrefix = ThreadNamePrefix) =>
        new(processIds
            .SelectMany(pid => ProcessStats.ThreadCpuTimes(pid, threadNamePrefix).Select(t => (Key: (pid, t.Key), t.Value)))
            .ToDictionary(t => t.Key, t => t.Value));

    /// <summary>
    /// Compilation CPU between <paramref name="before"/> and this sample. A thread started in between
    /// counts in full; one that ended (it exits after a few idle seconds) is missed, so this is a floor.
    /// </summary>
    public TimeSpan Since(TieredCompilation before) =>
        _byThread.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Value - before._byThread.GetValueOrDefault(t.Key));

    /// <summary>Whether a compilation thread ran between the samples (a new thread counts as having run).</summary>
    public bool RanSince(TieredCompilation before) =>
        _byThread.Any(t => !before._byThread.TryGetValue(t.Key, out var then) || t.Value > then);
}
