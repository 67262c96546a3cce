using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Suite.LocalServers;

/// <summary>
/// A real server process (redis-server, nats-server, a suite service) started for a test. It is
/// ready once its TCP port accepts, and it is killed with its whole process tree on dispose, so a
/// failed test never leaves a server behind.
/// </summary>
public sealed class ExternalServer : IAsyncDisposable
{
    // A long-running launcher keeps a dozen of these for hours: only the recent output stays in memory
    // (for assertion messages); the whole of it goes to the log file when one is given.
    private const int KeptOutputChars = 1 << 20;
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StreamWriter? _log;
    private int _disposed;

    private ExternalServer(Process process, int port, StreamWriter? log)
    {
        _process = process;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process wrote so far (its last megabyte or so), for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ExternalServer> StartAsync(
        string fileName,
        IEnumerable<string> arguments,
        int port,
        TimeSpan startTimeout,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default,
        string? workingDirectory = null,
        string? cpus = null,
        string? logFile = null)
    {
        var info = ServerStartInfo.Create(fileName, arguments, workingDirectory, environment, cpus);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        // Appended, so a process started again (a restart in a chaos test) continues its own log.
        var log = logFile is null ? null : new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        var server = new ExternalServer(process, port, log);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!process.Start())
        {
            log?.Dispose();
            throw new InvalidOperationException($"could not start {fileName}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await server.WaitUntilListeningAsync(startTimeout, cancellationToken);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Kills the process without warning, as a crash or OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Asks the process to shut down (SIGTERM), as <c>systemctl restart</c> or a pod's stop does, and
    /// waits for it to exit; a process still running after <paramref name="timeout"/> is killed.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        try
        {
            await SignalAsync("TERM");
        }
        catch (InvalidOperationException) when (_process.HasExited)
        {
            // Gone already (or between the check and the signal): nothing to stop.
        }

        using var bounded = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Stops the process in place (SIGSTOP), as a long GC pause or a frozen node would: its sockets stay open and nothing answers.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a paused process go on (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing left to stop.
        }

        _process.Dispose();
        lock (_output)
        {
            _log?.Dispose();
        }
    }

    private async Task SignalAsync(string signal)
    {
        // .NET sends only SIGKILL (Process.Kill); kill(1) sends the others.
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start kill");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {signal} {ProcessId} exited with {kill.ExitCode}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (_output.Length > KeptOutputChars)
            {
                _output.Remove(0, _output.Length - (KeptOutputChars / 2));
            }

            try
            {
                _log?.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A line read after dispose: the process is gone and its log closed.
            }
        }
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{_process.StartInfo.FileName} exited with {_process.ExitCode} before listening on {Port}:\n{Output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on {Port} within {timeout}:\n{Output}");
            }
        }
    }
}
