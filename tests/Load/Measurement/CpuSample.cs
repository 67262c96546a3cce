using Suite.Load.Targets;

namespace Suite.Load.Measurement;

/// <summary>
/// CPU each server process had used at one moment, with its role. Two samples give a window's CPU,
/// in total and per role, from the same readings, so the roles always add up to the total.
/// </summary>
internal sealed class CpuSample
{
    private readonly Dictionary<int, (string Role, TimeSpan Cpu)> _byPid;

    private CpuSample(Dictionary<int, (string Role, TimeSpan Cpu)> byPid) => _byPid = byPid;

    /// <summary>How many processes could be read.</summary>
    public int Processes => _byPid.Count;

    public TimeSpan Total => _byPid.Values.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Cpu);

    /// <summary>User + system CPU of every process in <paramref name="processes"/> that is still there.</summary>
    public static CpuSample Take(IEnumerable<ServerProcess> processes)
    {
        var byPid = new Dictionary<int, (string, TimeSpan)>();
        foreach (var process in processes)
        {
            if (ProcessStats.CpuTime(process.Pid) is { } cpu)
            {
                byPid[process.Pid] = (process.Role, cpu);
            }
        }

        return new CpuSample(byPid);
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
}
