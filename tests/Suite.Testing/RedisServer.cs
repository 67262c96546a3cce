namespace Suite.Testing;

/// <summary>
/// A throw-away <c>redis-server</c> on a free loopback port, without persistence, so tests exercise
/// the real wire protocol and Lua engine. Test projects wrap it in their own xunit fixture.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string DefaultExecutable = "/usr/bin/redis-server";

    private readonly ExternalServer _process;

    private RedisServer(ExternalServer process)
    {
        _process = process;
    }

    public string Host => "127.0.0.1";

    public int Port => _process.Port;

    /// <summary><c>host:port</c>, the form of the Dapr <c>redisHost</c> field and of a StackExchange.Redis configuration.</summary>
    public string ConnectionString => $"{Host}:{Port}";

    /// <summary>Everything the server logged, for assertion messages.</summary>
    public string Output => _process.Output;

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = File.Exists(DefaultExecutable) ? DefaultExecutable : "redis-server";
        var port = FreePort.Next();
        string[] arguments =
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", Path.GetTempPath(),
        ];
        var process = await ExternalServer.StartAsync(executable, arguments, port, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
        return new RedisServer(process);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
