using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// One process's memory from the end of the warm-up to the end of the run. A single RSS sample moves
/// with the GC's rhythm, so each end is the mean of a few samples: the first and the last up to
/// <see cref="MaxWindow"/> samples taken at or after the warm-up's end, each window at most half of
/// them (two samples: one each).
/// </summary>
/// <param name="Judged">False for the brokers: their memory is the data they keep by configuration (stream caps), reported but not judged.</param>
/// <param name="Problem">Why no growth could be computed (the process exited, too few samples).</param>
/// <param name="Parts">What the RSS is made of at each end, to tell a leak (anonymous memory) from code first run (file-backed pages) and new threads.</param>
internal sealed record MemoryGrowth(
    string Role, int Pid, bool Judged, int Samples, double? RssStart, double? RssEnd, long? RssPeak, double? GrowthPercent, double? GcHeapStart, double? GcHeapEnd, string? Problem, MemoryParts? Parts = null)
{
    public const int MaxWindow = 3;

    public static MemoryGrowth Of(ServerProcess process, bool judged, IReadOnlyList<MemorySample> samples, TimeSpan warmup)
    {
        var after = samples.Where(s => s.At >= warmup).OrderBy(s => s.At).Select(s => s.ByPid.GetValueOrDefault(process.Pid)).ToList();
        if (after.Any(m => m.RssBytes is null))
        {
            return new(process.Role, process.Pid, judged, after.Count, null, null, null, null, null, null, "exited (or unreadable) during the measured part");
        }

        if (after.Count < 2)
        {
            return new(process.Role, process.Pid, judged, after.Count, null, null, null, null, null, null, $"{after.Count} sample(s) after the warm-up, 2 needed");
        }

        var window = Math.Clamp(after.Count / 2, 1, MaxWindow);
        var start = after.Take(window).Average(m => (double)m.RssBytes!.Value);
        var end = after.TakeLast(window).Average(m => (double)m.RssBytes!.Value);
        return new(
            process.Role,
            process.Pid,
            judged,
            after.Count,
            Math.Round(start),
            Math.Round(end),
            after.Max(m => m.RssBytes!.Value),
            Math.Round((end - start) / start * 100, 2),
            Mean(after.Take(window), m => m.GcHeapBytes),
            Mean(after.TakeLast(window), m => m.GcHeapBytes),
            Problem: null,
            new MemoryParts(
                Mean(after.Take(window), m => m.AnonymousBytes),
                Mean(after.TakeLast(window), m => m.AnonymousBytes),
                Mean(after.Take(window), m => m.FileBytes),
                Mean(after.TakeLast(window), m => m.FileBytes),
                Mean(after.Take(window), m => m.Threads),
                Mean(after.TakeLast(window), m => m.Threads),
                Mean(after.Take(window), m => m.GcCommittedBytes),
                Mean(after.TakeLast(window), m => m.GcCommittedBytes)));
    }

    // Null unless every sample of the window has the figure.
    private static double? Mean(IEnumerable<ProcessMemory> window, Func<ProcessMemory, double?> figure)
    {
        var values = window.Select(figure).ToList();
        return values.All(v => v is not null) ? Math.Round(values.Average(v => v!.Value)) : null;
    }
}

/// <summary>Means over the same windows as the RSS growth: anonymous and file-backed RSS, threads, the GC's committed memory (.NET services).</summary>
internal sealed record MemoryParts(
    double? AnonymousStart, double? AnonymousEnd, double? FileStart, double? FileEnd, double? ThreadsStart, double? ThreadsEnd, double? GcCommittedStart = null, double? GcCommittedEnd = null);
