namespace Suite.LocalServers;

/// <summary>
/// A throw-away <c>redis-server</c> on a free loopback port, so tests exercise the real wire protocol
/// and Lua engine. By default without persistence; <see cref="StartPersistentAsync"/> gives one with
/// an append-only file in its own data directory, as a production Redis has. Test projects wrap it in
/// their own xunit fixture.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string DefaultExecutable = "/usr/bin/redis-server";

    private readonly string? _dataDirectory;
    private ExternalServer _process;
    private int _disposed;

    private RedisServer(ExternalServer process, string? dataDirectory)
    {
        _process = process;
        _dataDirectory = dataDirectory;
    }

    public string Host => "127.0.0.1";

    public int Port => _process.Port;

    public int ProcessId => _process.ProcessId;

    /// <summary><c>host:port</c>, the form of the Dapr <c>redisHost</c> field and of a StackExchange.Redis configuration.</summary>
    public string ConnectionString => $"{Host}:{Port}";

    /// <summary>Everything the server logged, for assertion messages.</summary>
    public string Output => _process.Output;

    /// <param name="cpus">A taskset CPU list to pin the server to (benchmarks); null = any.</param>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default, string? cpus = null) =>
        new(await StartProcessAsync(FreePort.Next(), null, cancellationToken, cpus), null);

    /// <summary>
    /// A server that keeps its data as a user's would: an append-only file (<c>appendfsync everysec</c>,
    /// Redis's default once AOF is on) in a data directory of its own, deleted on dispose.
    /// </summary>
    public static async Task<RedisServer> StartPersistentAsync(CancellationToken cancellationToken = default)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("suite-redis-").FullName;
        try
        {
            return new(await StartProcessAsync(FreePort.Next(), dataDirectory, cancellationToken), dataDirectory);
        }
        catch
        {
            Directory.Delete(dataDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Kills the server and starts an empty one on the same port, as a crash and restart without
    /// persistence would: clients see a dropped connection, then a Redis with no keys.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _process.DisposeAsync();
        _process = await StartProcessAsync(Port, null, cancellationToken);
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and no command is answered, as a stalled node.</summary>
    public Task PauseAsync() => _process.PauseAsync();

    /// <summary>Lets a paused server go on (SIGCONT), with its keys as they were.</summary>
    public Task ResumeAsync() => _process.ResumeAsync();

    /// <summary>
    /// Restarts a persistent server as <c>systemctl restart redis</c> would: a shutdown (SIGTERM, which
    /// writes the append-only file out), then a server on the same port and data directory that loads
    /// it. Clients see their connections dropped and refused until it listens again.
    /// </summary>
    public async Task RestartKeepingDataAsync(CancellationToken cancellationToken = default)
    {
        var dataDirectory = _dataDirectory ?? throw new InvalidOperationException("only a server from StartPersistentAsync keeps its data");
        await _process.StopAsync(TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
        _process = await StartProcessAsync(Port, dataDirectory, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _process.DisposeAsync();
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    private static async Task<ExternalServer> StartProcessAsync(int port, string? dataDirectory, CancellationToken cancellationToken, string? cpus = null)
    {
        var executable = File.Exists(DefaultExecutable) ? DefaultExecutable : "redis-server";
        string[] persistence = dataDirectory is null
            ? ["--save", "", "--appendonly", "no", "--dir", Path.GetTempPath()]
            : ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dataDirectory];
        string[] arguments =
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--daemonize", "no",
            .. persistence,
        ];
        return await ExternalServer.StartAsync(executable, arguments, port, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken, cpus: cpus);
    }
}
