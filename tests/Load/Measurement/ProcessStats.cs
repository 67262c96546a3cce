using System.Globalization;

namespace Suite.Load.Measurement;

/// <summary>A local process's resident memory and CPU time, read from /proc (Linux).</summary>
internal static class ProcessStats
{
    // USER_HZ: 100 on every Linux the suite runs on.
    private const double ClockTicksPerSecond = 100;

    /// <summary>VmRSS in bytes, or null when the process or /proc is not there.</summary>
    public static long? ResidentBytes(int pid) => Memory(pid)?.RssBytes;

    /// <summary>
    /// VmRSS split into anonymous memory (heaps, stacks: where a leak shows) and file-backed pages
    /// (the runtime's and the app's mapped images, which grow as more code is first run), and the
    /// thread count; null when the process or /proc is not there.
    /// </summary>
    public static ResidentMemory? Memory(int pid)
    {
        try
        {
            long? rss = null, anon = null, file = null;
            int? threads = null;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                rss ??= Kilobytes(line, "VmRSS:");
                anon ??= Kilobytes(line, "RssAnon:");
                file ??= Kilobytes(line, "RssFile:");
                if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
                }
            }

            return rss is null ? null : new ResidentMemory(rss.Value, anon, file, threads);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static long? Kilobytes(string line, string field) =>
        line.StartsWith(field, StringComparison.Ordinal)
            ? long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024
            : null;

    /// <summary>User + system CPU time the process has used so far, or null.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        try
        {
            return CpuFromStat(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// CPU time so far of each of the process's threads whose kernel name starts with
    /// <paramref name="threadNamePrefix"/>, by thread id (empty when the process is gone).
    /// </summary>
    public static IReadOnlyDictionary<int, TimeSpan> ThreadCpuTimes(int pid, string threadNamePrefix)
    {
        var byThread = new Dictionary<int, TimeSpan>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (name.StartsWith(threadNamePrefix, StringComparison.Ordinal))
                {
                    byThread[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = CpuFromStat(stat);
                }
            }
        }
        catch (IOException)
        {
            // The process, or one of its threads, ended while being read: what was read stands.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return byThread;
    }

    /// <summary>
    /// Context switches (voluntary + involuntary) of each of the process's live threads so far, by
    /// thread id, from /proc/PID/task/*/status (the process's own status counts its main thread
    /// only); empty when the process is gone. Each voluntary switch is a thread that blocked and was
    /// woken again.
    /// </summary>
    public static IReadOnlyDictionary<int, long> ThreadContextSwitches(int pid)
    {
        var byThread = new Dictionary<int, long>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                long count = 0;
                try
                {
                    foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                            || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            count += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    continue;
                }

                byThread[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = count;
            }
        }
        catch (IOException)
        {
            // The process ended while being read: what was read stands.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return byThread;
    }

    /// <summary>The arguments the process was started with (argv), or empty when it is gone.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The kernel's name for the process (comm: the executable's name, at most 15 characters), or null.</summary>
    public static string? CommandName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>utime + stime of a /proc stat line (a process's or one thread's).</summary>
    private static TimeSpan CpuFromStat(string stat)
    {
        // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }
}

/// <param name="RssBytes">VmRSS.</param>
/// <param name="AnonymousBytes">RssAnon (kernels before 4.5 do not report it).</param>
/// <param name="FileBytes">RssFile.</param>
internal readonly record struct ResidentMemory(long RssBytes, long? AnonymousBytes, long? FileBytes, int? Threads);
