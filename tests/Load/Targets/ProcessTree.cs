using System.Diagnostics;
using System.Globalization;

namespace Suite.Load.Targets;

/// <summary>
/// A process and all its descendants as /proc shows them right now. Each entry carries its start
/// time, so a pid the kernel reused for something else after ours exited is never taken for ours.
/// </summary>
internal static class ProcessTree
{
    public readonly record struct Entry(int Pid, long StartTicks);

    /// <summary><paramref name="root"/> first, then its descendants breadth-first; empty when the root is gone.</summary>
    public static IReadOnlyList<Entry> Of(int root)
    {
        var children = new Dictionary<int, List<Entry>>();
        Entry? rootEntry = null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Read(pid) is not { } stat || stat.Zombie)
            {
                continue;
            }

            var entry = new Entry(pid, stat.StartTicks);
            if (pid == root)
            {
                rootEntry = entry;
            }

            if (!children.TryGetValue(stat.ParentPid, out var list))
            {
                children[stat.ParentPid] = list = [];
            }

            list.Add(entry);
        }

        if (rootEntry is null)
        {
            return [];
        }

        var tree = new List<Entry> { rootEntry.Value };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(children.GetValueOrDefault(tree[i].Pid) ?? []);
        }

        return tree;
    }

    /// <summary>Running (a zombie has finished: only its parent's bookkeeping is left) and still the same process.</summary>
    public static bool IsAlive(Entry entry) => Read(entry.Pid) is { Zombie: false } stat && stat.StartTicks == entry.StartTicks;

    /// <summary>SIGKILL for each entry still alive, the deepest first, so nothing is orphaned before it is killed.</summary>
    public static void Kill(IReadOnlyList<Entry> tree)
    {
        foreach (var entry in tree.Reverse())
        {
            if (!IsAlive(entry))
            {
                continue;
            }

            try
            {
                using var process = Process.GetProcessById(entry.Pid);
                process.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Exited between the check and the kill.
            }
        }
    }

    private sealed record Stat(int ParentPid, long StartTicks, bool Zombie);

    // /proc/<pid>/stat: "pid (comm) state ppid ... starttime(22nd) ..."; comm may hold spaces and parentheses, so fields count from the last ')'.
    private static Stat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return new Stat(
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[19], CultureInfo.InvariantCulture),
            fields[0] is "Z" or "X");
    }
}
