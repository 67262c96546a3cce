namespace Suite.LocalServers;

/// <summary>
/// A real <c>nats-server -js</c> on a free loopback port with its own store directory, for tests. Dispose
/// kills it and deletes the directory, so streams never leak from one test class to the next.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private static readonly string[] SearchDirectories = ["/usr/sbin", "/usr/bin", "/usr/local/bin"];

    private ExternalServer _server;
    private readonly string _storeDirectory;
    private int _disposed;

    private NatsServer(ExternalServer server, string storeDirectory)
    {
        _server = server;
        _storeDirectory = storeDirectory;
    }

    public string Url => $"nats://127.0.0.1:{_server.Port}";

    public int ProcessId => _server.ProcessId;

    /// <summary>Everything the server logged so far, for assertion messages.</summary>
    public string Output => _server.Output;

    public static async Task<NatsServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = FindExecutable();
        var port = FreePort.Next();
        var storeDirectory = Directory.CreateTempSubdirectory("suite-nats-").FullName;
        try
        {
            return new NatsServer(await StartProcessAsync(executable, port, storeDirectory, cancellationToken), storeDirectory);
        }
        catch
        {
            Directory.Delete(storeDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Restarts the server as an operator would: a shutdown (SIGTERM), then a server on the same port
    /// and JetStream store directory, which recovers its streams, consumers and their positions.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _server.StopAsync(TimeSpan.FromSeconds(10));
        await _server.DisposeAsync();
        _server = await StartProcessAsync(FindExecutable(), _server.Port, _storeDirectory, cancellationToken);
    }

    /// <summary>Creates (or updates) a file-backed stream on this server, as <c>nats stream add</c> would.</summary>
    public Task CreateStreamAsync(string name, IReadOnlyCollection<string> subjects, CancellationToken cancellationToken = default) =>
        JetStreamStreams.EnsureAsync(Url, name, subjects, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_storeDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static Task<ExternalServer> StartProcessAsync(string executable, int port, string storeDirectory, CancellationToken cancellationToken) =>
        ExternalServer.StartAsync(
            executable,
            ["-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", storeDirectory],
            port,
            TimeSpan.FromSeconds(15),
            cancellationToken: cancellationToken);

    private static string FindExecutable()
    {
        var pathDirectories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in SearchDirectories.Concat(pathDirectories))
        {
            var candidate = Path.Combine(directory, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("nats-server not found in /usr/sbin, /usr/bin, /usr/local/bin or PATH; run test.sh or apt-get install nats-server");
    }
}
