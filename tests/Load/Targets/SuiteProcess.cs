using System.Diagnostics;
using System.Globalization;
using Suite.LocalServers;

namespace Suite.Load.Targets;

/// <summary>
/// Modes <c>embedded</c>, <c>redis</c> and <c>nats</c>: the whole suite as a child process, so room
/// fan-out across edges (edge → room → pub/sub → other edges) and notifications can be measured.
/// <c>embedded</c> runs services/suite (one process, in-memory components, one edge); <c>redis</c> and
/// <c>nats</c> run the launcher, which starts the brokers, every service, the edges and a sidecar
/// each as its descendants. Every server process counts: the child and all its descendants.
/// </summary>
internal sealed class SuiteProcess : ISystemUnderTest
{
    // services/suite's EmbeddedSuite.DevelopmentSigningKey: the embedded suite takes no other key.
    public const string EmbeddedSigningKey = "development-only-signing-key-change-me-0123456789";

    private const int KeptOutputLines = 80;
    private readonly Process _process;
    private readonly int _pid;
    private readonly Dictionary<string, string> _description;
    private readonly Queue<string> _output = new();
    private readonly TaskCompletionSource<SuiteDescription> _described = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _outputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _streamsEnded;
    private SuiteDescription? _suite;
    private int _disposed;

    private SuiteProcess(string mode, Process process, string signingKey, Dictionary<string, string> description)
    {
        Mode = mode;
        _process = process;
        _pid = process.Id;
        SigningKey = signingKey;
        _description = description;
    }

    public string Mode { get; }

    public IReadOnlyList<EdgeTarget> Edges { get; private set; } = [];

    public string SigningKey { get; }

    public IReadOnlyDictionary<string, string> Description => _description;

    public Uri? DaprHttpEndpoint => _suite?.DaprHttp;

    public IReadOnlyList<Uri> MetricsEndpoints =>
        [.. Edges.Select(e => new Uri(e.HttpUri, "metrics")), .. _suite?.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Value) ?? []];

    /// <summary>Completes once the suite's stdout and stderr have both ended: it exited, and all it wrote has been read.</summary>
    public Task OutputEnded => _outputEnded.Task;

    /// <summary>The last lines the suite wrote, for a failure message.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    public IReadOnlyList<int> ServerProcessIds() => [.. ProcessTree.Of(_pid).Select(e => e.Pid)];

    public static async Task<SuiteProcess> StartAsync(LoadSettings settings, string repoRoot, CancellationToken cancellationToken)
    {
        var embedded = settings.Mode == "embedded";
        var dll = embedded
            ? Path.Combine(repoRoot, "services", "suite", "bin", "Release", "net10.0", "Suite.Embedded.dll")
            : Path.Combine(repoRoot, "services", "launcher", "bin", "Release", "net10.0", "Suite.Launcher.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built (dotnet build -c Release)", dll);
        }

        // taskset execs dotnet, so the pid stays the suite's; every process it starts inherits the CPUs.
        var start = new ProcessStartInfo(settings.EdgeCpus is null ? "dotnet" : "taskset")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (settings.EdgeCpus is { } cpus)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpus);
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(dll);
        var description = new Dictionary<string, string>
        {
            ["cpus"] = settings.EdgeCpus ?? "any",
            ["admissionsPerSecond"] = "1000000",
        };
        var signingKey = embedded ? EmbeddedSigningKey : settings.SigningKey;
        if (embedded)
        {
            // Environment reaches every app in the process (the embedded host removes only JSON sources);
            // only the edge reads the Connections section.
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add(FreePort.Next().ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add("--describe-json");
            start.Environment["Connections__AdmissionsPerSecond"] = "1000000";
            foreach (var (key, value) in Pairs(settings.EdgeEnv))
            {
                start.Environment[key] = value;
            }

            description["suite"] = "embedded: one process, in-memory components, one edge";
        }
        else
        {
            string[] arguments =
            [
                "--components", Path.Combine("components", settings.Mode),
                "--edges", settings.Edges.ToString(CultureInfo.InvariantCulture),
                "--start-brokers",
                "--configuration", "Release",
                "--signing-key", signingKey,
                "--setting", "Connections__AdmissionsPerSecond=1000000",
            ];
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            if (settings.SuiteLogs is { } logs)
            {
                start.ArgumentList.Add("--logs");
                start.ArgumentList.Add(Path.GetFullPath(logs));
                description["logs"] = logs;
            }

            foreach (var (key, value) in Pairs(settings.EdgeEnv))
            {
                start.ArgumentList.Add("--setting");
                start.ArgumentList.Add($"{key}={value}");
            }

            description["suite"] = $"launcher: components/{settings.Mode}, {settings.Edges} edges, every service beside an emulator sidecar";
        }

        foreach (var (key, value) in Pairs(settings.EdgeEnv))
        {
            description["env:" + key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Start();
        ChildProcesses.Track(process);
        var suite = new SuiteProcess(settings.Mode, process, signingKey, description);
        process.OutputDataReceived += (_, e) => suite.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => suite.Keep(e.Data);
        process.Exited += (_, _) => suite.ExitedEarly();
        if (process.HasExited)
        {
            suite.ExitedEarly();
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // The launcher starts a dozen processes one after another; on a busy two-core machine that takes a while.
            var timeout = embedded ? TimeSpan.FromSeconds(60) : TimeSpan.FromSeconds(300);
            suite.Ready(await suite._described.Task.WaitAsync(timeout, cancellationToken));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await suite.DisposeAsync();
            var output = suite.RecentOutput;
            throw new InvalidOperationException($"the suite ({settings.Mode}) did not become ready: {ex.Message}{Environment.NewLine}{output}", ex);
        }
        catch
        {
            await suite.DisposeAsync();
            throw;
        }

        return suite;
    }

    /// <summary>
    /// SIGTERM first, so the launcher stops its services and removes its temporary folders; then
    /// SIGKILL for whatever of the tree (taken before, and again now) is still alive.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var before = ProcessTree.Of(_pid);
        if (before.Count > 0)
        {
            Interrupt(_pid);
            await WaitGoneAsync([before[0]], TimeSpan.FromSeconds(15));
        }

        var all = before.Concat(ProcessTree.Of(_pid)).Distinct().ToList();
        ProcessTree.Kill(all);
        ChildProcesses.Kill(_process);
        await WaitGoneAsync(all, TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private static async Task WaitGoneAsync(IReadOnlyList<ProcessTree.Entry> entries, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (entries.Any(ProcessTree.IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    // SIGTERM: the launcher and the embedded suite stop cleanly on it (SIGINT would be ignored when
    // the generator runs as a script's background job, and so by its children).
    private static void Interrupt(int pid)
    {
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
            kill?.WaitForExit(5000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No kill(1): the SIGKILL that follows still stops everything.
        }
    }

    private static IEnumerable<(string Key, string Value)> Pairs(IReadOnlyList<string> env) =>
        env.Select(pair => pair.IndexOf('=', StringComparison.Ordinal) is > 0 and var at
            ? (pair[..at], pair[(at + 1)..])
            : throw new ArgumentException($"--edge-env wants KEY=VALUE, got '{pair}'"));

    private void ExitedEarly() => _described.TrySetException(new InvalidOperationException("the suite exited before it was ready"));

    private void Ready(SuiteDescription suite)
    {
        _suite = suite;
        Edges = [.. suite.Edges.Select(e => new EdgeTarget(e.AppId, e.WebSocket, e.Http, e.Pid) { InternalUri = e.Internal })];
        _description["daprHttp"] = suite.DaprHttp.ToString();
        _description["brokerPids"] = string.Join(",", suite.Brokers);
        foreach (var (service, metrics) in suite.Metrics)
        {
            _description["metrics:" + service] = metrics.ToString();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            // The end of stdout or of stderr.
            if (Interlocked.Increment(ref _streamsEnded) == 2)
            {
                _outputEnded.TrySetResult();
            }

            return;
        }

        if (line.StartsWith(SuiteDescription.Prefix, StringComparison.Ordinal))
        {
            try
            {
                _described.TrySetResult(SuiteDescription.Parse(line));
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException)
            {
                _described.TrySetException(new InvalidOperationException($"unreadable description: {line}", ex));
            }

            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
        }
    }
}
