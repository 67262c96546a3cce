namespace Suite.Load.Measurement;

/// <summary>CPU time used by a set of server processes, summed (edges, services, sidecars, brokers or peer instances).</summary>
internal static class ServerCpu
{
    /// <summary>User + system CPU of every process in <paramref name="processIds"/> that is still there, with how many were read.</summary>
    public static (TimeSpan Cpu, int Processes) Total(IEnumerable<int> processIds)
    {
        var total = TimeSpan.Zero;
        var read = 0;
        foreach (var pid in processIds)
        {
            if (ProcessStats.CpuTime(pid) is { } cpu)
            {
                total += cpu;
                read++;
            }
        }

        return (total, read);
    }

    /// <summary>Resident memory of every process in <paramref name="processIds"/>, summed.</summary>
    public static long ResidentBytes(IEnumerable<int> processIds) => processIds.Sum(pid => ProcessStats.ResidentBytes(pid) ?? 0);
}
