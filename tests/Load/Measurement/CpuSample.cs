using Suite.Load.Targets;

namespace Suite.Load.Measurement;

/// <summary>
/// CPU each server process had used at one moment, with its role. Two samples give a window's CPU,
/// in total and per role, from the same readings, so the roles always add up to the total.
/// </summary>
internal sealed class CpuSample
{
    private readonly Dictionary<int, (string Role, TimeSpan Cpu)> _byPid;
    private readonly Dictionary<int, IReadOnlyDictionary<int, long>> _switchesByPid;

    private CpuSample(Dictionary<int, (string Role, TimeSpan Cpu)> byPid, Dictionary<int, IReadOnlyDictionary<int, long>> switchesByPid)
    {
        _byPid = byPid;
        _switchesByPid = switchesByPid;
    }

    /// <summary>How many processes could be read.</summary>
    public int Processes => _byPid.Count;

    public TimeSpan Total => _byPid.Values.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Cpu);

    /// <summary>User + system CPU of every process in <paramref name="processes"/> that is still there.</summary>
    public static CpuSample Take(IEnumerable<ServerProcess> processes)
    {
        var byPid = new Dictionary<int, (string, TimeSpan)>();
        var switches = new Dictionary<int, IReadOnlyDictionary<int, long>>();
        foreach (var process in processes)
        {
            if (ProcessStats.CpuTime(process.Pid) is { } cpu)
            {
                byPid[process.Pid] = (process.Role, cpu);
            }

            switches[process.Pid] = ProcessStats.ThreadContextSwitches(process.Pid);
        }

        return new CpuSample(byPid, switches);
    }

    /// <summary>
    /// CPU per role between <paramref name="before"/> and this sample, largest first, with the
    /// role's pids. A process that started in between counts in full and one that ended gives back
    /// what it had at the start, as the difference of the totals does, so the roles sum to it.
    /// </summary>
    public IReadOnlyList<(string Role, IReadOnlyList<int> Pids, TimeSpan Cpu)> Since(CpuSample before) =>
        [.. _byPid.Keys.Union(before._byPid.Keys)
            .Select(pid =>
            {
                var now = _byPid.GetValueOrDefault(pid);
                var then = before._byPid.GetValueOrDefault(pid);
                return (Role: now.Role ?? then.Role, Pid: pid, Cpu: now.Cpu - then.Cpu);
            })
            .GroupBy(p => p.Role, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<int>)[.. g.Select(p => p.Pid).Order()], g.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Cpu)))
            .OrderByDescending(r => r.Item3)
            .ThenBy(r => r.Key, StringComparer.Ordinal)];

    /// <summary>
    /// Context switches per role between <paramref name="before"/> and this sample, of the processes
    /// read both times: each live thread's since the first sample, a thread started in between in
    /// full, one that ended in between missed (a floor). Each is a thread put to sleep and woken
    /// again, or preempted: the wake-ups a hop between processes costs.
    /// </summary>
    public IReadOnlyDictionary<string, long> ContextSwitchesSince(CpuSample before) =>
        _switchesByPid
            .Where(p => before._switchesByPid.ContainsKey(p.Key) && _byPid.ContainsKey(p.Key))
            .GroupBy(p => _byPid[p.Key].Role, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.Sum(p => p.Value.Sum(t => Math.Max(0, t.Value - before._switchesByPid[p.Key].GetValueOrDefault(t.Key)))),
                StringComparer.Ordinal);
}
