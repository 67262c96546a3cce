namespace Suite.Testing;

/// <summary>
/// A throw-away <c>redis-server</c> on a free loopback port, without persistence, so tests exercise
/// the real wire protocol and Lua engine. Test projects wrap it in their own xunit fixture.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string DefaultExecutable = "/usr/bin/redis-server";

    private ExternalServer _process;

    private RedisServer(ExternalServer process)
    {
        _process = process;
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
        new(await StartProcessAsync(FreePort.Next(), cancellationToken, cpus));

    /// <summary>
    /// Kills the server and starts an empty one on the same port, as a crash and restart without
    /// persistence would: clients see a dropped connection, then a Redis with no keys.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _process.DisposeAsync();
        _process = await StartProcessAsync(Port, cancellationToken);
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and no command is answered, as a stalled node.</summary>
    public Task PauseAsync() => _process.PauseAsync();

    /// <summary>Lets a paused server go on (SIGCONT), with its keys as they were.</summary>
    public Task ResumeAsync() => _process.ResumeAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<ExternalServer> StartProcessAsync(int port, CancellationToken cancellationToken, string? cpus = null)
    {
        var executable = File.Exists(DefaultExecutable) ? DefaultExecutable : "redis-server";
        string[] arguments =
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", Path.GetTempPath(),
        ];
        return await ExternalServer.StartAsync(executable, arguments, port, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken, cpus: cpus);
    }
}
