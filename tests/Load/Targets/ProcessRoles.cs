using Suite.Load.Measurement;

namespace Suite.Load.Targets;

/// <summary>
/// Names server processes by their role, from what each system says of them (an edge's or peer
/// instance's pid) and from their command lines: the launcher and services/suite start every
/// service as <c>dotnet …/Suite.&lt;Service&gt;.dll</c>, and each sidecar as the emulator with
/// <c>--app-id &lt;service&gt;</c>. Anything else (brokers, the peers' Redis) goes by its command name.
/// </summary>
internal static class ProcessRoles
{
    private static readonly Dictionary<string, string> Assemblies = new(StringComparer.Ordinal)
    {
        ["Suite.Embedded"] = "embedded suite",
        ["Suite.Launcher"] = "launcher",
        ["Suite.Presence"] = "presence",
        ["Suite.Room"] = "room",
        ["Suite.Notification"] = "notification",
        ["Suite.Edge"] = "edge",
    };

    /// <summary>
    /// Each process with its role; a role held by more than one process (room replicas, two
    /// sidecars of one app id) gets "#2", "#3" on the later ones, so every role names one process.
    /// </summary>
    public static IReadOnlyList<ServerProcess> Name(IReadOnlyList<int> pids, IReadOnlyList<EdgeTarget> edges)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var named = new List<ServerProcess>(pids.Count);
        foreach (var pid in pids)
        {
            var role = Role(pid, ProcessStats.CommandLine(pid), ProcessStats.CommandName(pid), edges);
            seen[role] = seen.GetValueOrDefault(role) + 1;
            named.Add(new ServerProcess(pid, seen[role] == 1 ? role : $"{role} #{seen[role]}"));
        }

        return named;
    }

    /// <param name="commandLine">argv as /proc/&lt;pid&gt;/cmdline holds it.</param>
    /// <param name="commandName">/proc/&lt;pid&gt;/comm, for processes none of the rules name.</param>
    public static string Role(int pid, IReadOnlyList<string> commandLine, string? commandName, IReadOnlyList<EdgeTarget> edges)
    {
        var assembly = commandLine.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) is { } dll ? Path.GetFileNameWithoutExtension(dll) : null;
        if (assembly == "Suite.DaprEmulator")
        {
            var appId = commandLine.SkipWhile(a => a != "--app-id").Skip(1).FirstOrDefault();
            return appId is null ? "sidecar" : appId + " sidecar";
        }

        // The embedded suite is also its own edge: it is named for all it holds.
        if (assembly == "Suite.Embedded")
        {
            return Assemblies[assembly];
        }

        if (edges.FirstOrDefault(e => e.ProcessId == pid) is { } edge)
        {
            return edge.EdgeId;
        }

        if (assembly is not null && Assemblies.TryGetValue(assembly, out var role))
        {
            return role;
        }

        return assembly ?? commandName ?? (commandLine.Count > 0 ? Path.GetFileName(commandLine[0]) : "pid " + pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
