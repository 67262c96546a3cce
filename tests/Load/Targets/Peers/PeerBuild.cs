using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// Prepares a peer once per machine in a cache folder outside the repository: the repository's
/// Directory.Build.props and Directory.Packages.props (warnings as errors, central versions) must
/// not apply to a peer, which is built the way its own project says. A stamp file holds a hash of
/// the inputs, so the slow step (npm ci, dotnet build) runs again only when they change.
/// </summary>
internal static class PeerBuild
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);
    private static readonly string[] NotCopied = ["node_modules", "bin", "obj", "out"];

    public static string CacheRoot { get; } = Path.Combine(Path.GetTempPath(), "suite-bench-peers");

    /// <summary>Where the peers live when <c>--peers-dir</c> is not given: next to the repository, in shared/peers.</summary>
    public static string DefaultPeersDir(string repoRoot) => Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "peers"));

    /// <summary>The seed-ws folder in the cache, with its node_modules installed; server.js runs from there.</summary>
    public static async Task<string> PrepareSeedWsAsync(string peersDir, CancellationToken cancellationToken)
    {
        var target = Path.Combine(CacheRoot, "seed-ws");
        using var _ = await LockAsync("seed-ws", cancellationToken);
        Sync(Path.Combine(peersDir, "seed-ws"), target);
        var stamp = Hash(target, "package-lock.json", "package.json");
        if (!Directory.Exists(Path.Combine(target, "node_modules")) || ReadStamp(target) != stamp)
        {
            ClearStamp(target);
            await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], target, cancellationToken);
            WriteStamp(target, stamp);
        }

        return target;
    }

    /// <summary>The built signalr-redis.dll in the cache.</summary>
    public static async Task<string> PrepareSignalRAsync(string peersDir, CancellationToken cancellationToken)
    {
        var target = Path.Combine(CacheRoot, "signalr-redis");
        var output = Path.Combine(target, "out");
        var dll = Path.Combine(output, "signalr-redis.dll");
        using var _ = await LockAsync("signalr-redis", cancellationToken);
        Sync(Path.Combine(peersDir, "signalr-redis"), target);
        var stamp = Hash(target, "Program.cs", "signalr-redis.csproj");
        if (!File.Exists(dll) || ReadStamp(target) != stamp)
        {
            ClearStamp(target);
            // No build servers: nothing of ours may outlive the build.
            await RunAsync("dotnet", ["build", "-c", "Release", "-o", output, "--disable-build-servers"], target, cancellationToken);
            WriteStamp(target, stamp);
        }

        return dll;
    }

    // Copies the peer's files (not its build or install output), rewriting only what differs, so
    // timestamps of unchanged files stay put. The source may be read-only; the copies are not.
    private static void Sync(string source, string target)
    {
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"no peer at {source} (--peers-dir)");
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            var copy = Path.Combine(target, Path.GetFileName(file));
            var bytes = File.ReadAllBytes(file);
            if (!File.Exists(copy) || !File.ReadAllBytes(copy).AsSpan().SequenceEqual(bytes))
            {
                File.WriteAllBytes(copy, bytes);
            }
        }

        foreach (var folder in Directory.EnumerateDirectories(source).Where(d => !NotCopied.Contains(Path.GetFileName(d))))
        {
            Sync(folder, Path.Combine(target, Path.GetFileName(folder)));
        }
    }

    private static string Hash(string folder, params string[] files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            var path = Path.Combine(folder, file);
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            sha.AppendData(File.Exists(path) ? File.ReadAllBytes(path) : []);
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static string? ReadStamp(string folder)
    {
        var path = Path.Combine(folder, ".prepared");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private static void WriteStamp(string folder, string stamp) => File.WriteAllText(Path.Combine(folder, ".prepared"), stamp);

    // Before a step runs: a step that fails or is interrupted must run again next time.
    private static void ClearStamp(string folder) => File.Delete(Path.Combine(folder, ".prepared"));

    // Another generator or test run on this machine may prepare the same peer at the same time;
    // FileShare.None is an exclusive lock across processes on Linux too.
    private static async Task<FileStream> LockAsync(string peer, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(CacheRoot);
        var path = Path.Combine(CacheRoot, peer + ".lock");
        var deadline = DateTime.UtcNow + StepTimeout + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static async Task RunAsync(string command, IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Run from dotnet test, the MSBuild variables of the outer build would steer the peer's build.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        var line = $"{command} {string.Join(' ', arguments)} (in {workingDirectory})";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"could not run {line}: {ex.Message}", ex);
        }

        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            ChildProcesses.Kill(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{line} did not finish within {StepTimeout}:{Environment.NewLine}{Tail(output)}");
        }

        ChildProcesses.Kill(process);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{line} failed with exit code {process.ExitCode}:{Environment.NewLine}{Tail(output)}");
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            return output.Length <= 4000 ? output.ToString() : "…" + output.ToString(output.Length - 4000, 4000);
        }
    }
}
