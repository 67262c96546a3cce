using System.Diagnostics;
using Suite.LocalServers;

namespace Suite.Load.Targets;

/// <summary>
/// One server process the generator starts (an edge, a peer instance): started pinned with
/// taskset when CPUs are given, its last output lines kept for failure messages, tracked by
/// <see cref="ChildProcesses"/> so nothing outlives the generator, killed on dispose.
/// </summary>
internal sealed class ServerChild : IDisposable
{
    private const int KeptOutputLines = 50;
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private ServerChild(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>The server's own pid: taskset execs the command, so it is not taskset's.</summary>
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

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

    public static ServerChild Start(string name, string command, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, string? cpus)
    {
        var start = ServerStartInfo.Create(command, arguments, workingDirectory, environment, cpus);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.Start();
        ChildProcesses.Track(process);
        var child = new ServerChild(name, process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Polls <paramref name="probe"/> until it says ready; fails at once when the process exits, with its output.</summary>
    private async Task WaitReadyAsync(string what, Func<CancellationToken, Task<bool>> probe, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before {what}:{Environment.NewLine}{RecentOutput}");
            }

            if (await probe(cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not get to {what} within {timeout}:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Waits for <paramref name="health"/> to answer 200.</summary>
    public async Task WaitHealthyAsync(Uri health, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await WaitReadyAsync($"answering {health}", async ct =>
        {
            try
            {
                using var response = await http.GetAsync(health, ct);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return false; // slow first answer
            }
        }, timeout, cancellationToken);
    }

    public void Dispose()
    {
        ChildProcesses.Kill(_process);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
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
