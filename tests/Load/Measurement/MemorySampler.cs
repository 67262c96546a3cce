using Suite.Load.Targets;

namespace Suite.Load.Measurement;

/// <summary>
/// Samples each server process's resident memory (/proc) and, for the .NET services that export it,
/// their GC heap after the last collection (their /metrics), at chosen moments of a long run; with
/// <paramref name="collectFirst"/>, after an induced full GC in every .NET process (the others are
/// not reachable over the diagnostics port and are read as they are).
/// </summary>
internal sealed class MemorySampler(IReadOnlyList<ServerProcess> processes, IReadOnlyDictionary<int, Uri> metricsByPid, HttpClient http, bool collectFirst = false)
{
    private readonly List<MemorySample> _samples = [];

    public IReadOnlyList<ServerProcess> Processes => processes;

    public IReadOnlyList<MemorySample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public async Task<MemorySample> SampleAsync(TimeSpan at, CancellationToken cancellationToken)
    {
        if (collectFirst)
        {
            // All at once: each session drains for a moment after its GC, and the samples should be close in time.
            await Task.WhenAll(processes.Select(p => GcTrigger.CollectAsync(p.Pid, cancellationToken)));
        }

        var byPid = new Dictionary<int, ProcessMemory>();
        foreach (var process in processes)
        {
            double? heap = null;
            double? committed = null;
            if (metricsByPid.TryGetValue(process.Pid, out var metrics))
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    var scrape = await PrometheusScrape.FromAsync(http, metrics, timeout.Token);
                    heap = scrape.First(Scenarios.EdgeProbe.HeapNames)?.Value;
                    committed = scrape.First(Scenarios.EdgeProbe.CommittedNames)?.Value;
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // A busy service that does not answer in time: its RSS still counts.
                }
            }

            var resident = ProcessStats.Memory(process.Pid);
            byPid[process.Pid] = new ProcessMemory(resident?.RssBytes, heap, resident?.AnonymousBytes, resident?.FileBytes, resident?.Threads, committed);
        }

        var sample = new MemorySample(at, byPid);
        lock (_samples)
        {
            _samples.Add(sample);
        }

        return sample;
    }

    /// <summary>
    /// When to sample a run of <paramref name="duration"/>: every <paramref name="interval"/> from the
    /// start, at the end of the warm-up (the baseline) and at the end.
    /// </summary>
    public static IReadOnlyList<TimeSpan> Schedule(TimeSpan duration, TimeSpan warmup, TimeSpan interval)
    {
        var times = new SortedSet<TimeSpan> { duration };
        if (warmup < duration)
        {
            times.Add(warmup);
        }

        for (var at = TimeSpan.Zero; at < duration; at += interval)
        {
            times.Add(at);
        }

        return [.. times];
    }
}

/// <param name="RssBytes">Null when the process is gone.</param>
/// <param name="GcHeapBytes">Null when the process exports no GC heap (sidecars, brokers, the launcher) or did not answer.</param>
/// <param name="AnonymousBytes">The anonymous part of the RSS (see <see cref="ResidentMemory"/>).</param>
/// <param name="FileBytes">The file-backed part of the RSS.</param>
/// <param name="GcCommittedBytes">The memory the GC holds committed after the last collection (live heap, free regions it kept, its bookkeeping): anonymous RSS growing beyond it is native memory.</param>
internal readonly record struct ProcessMemory(long? RssBytes, double? GcHeapBytes, long? AnonymousBytes = null, long? FileBytes = null, int? Threads = null, double? GcCommittedBytes = null);

internal sealed record MemorySample(TimeSpan At, IReadOnlyDictionary<int, ProcessMemory> ByPid);
