using System.Collections.Concurrent;
using System.Diagnostics;

namespace Suite.Load.Targets;

/// <summary>
/// Every process the generator started, killed on dispose, on Ctrl+C, on SIGTERM and on any exit,
/// so a failed or interrupted run leaves nothing behind.
/// </summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Started = new();
    private static int _hooked;

    public static void Track(Process process)
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            Console.CancelKeyPress += (_, _) => KillAll();
        }

        Started[process.Id] = process;
    }

    public static void Kill(Process process)
    {
        Started.TryRemove(process.Id, out _);
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public static void KillAll()
    {
        foreach (var process in Started.Values)
        {
            Kill(process);
        }
    }
}
