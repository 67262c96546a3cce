using System.Diagnostics;

namespace Suite.LocalServers;

/// <summary>How a server process is started here: output redirected (kept for failure messages), optionally pinned to CPUs.</summary>
public static class ServerStartInfo
{
    /// <param name="cpus">A taskset CPU list; taskset execs the server, so the process and its pid are the server's own.</param>
    public static ProcessStartInfo Create(string fileName, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, string? cpus)
    {
        var info = new ProcessStartInfo(cpus is null ? fileName : "taskset")
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in cpus is null ? arguments : ["-c", cpus, fileName, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }
}
