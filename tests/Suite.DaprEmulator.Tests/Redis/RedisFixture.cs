using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Suite.DaprEmulator.Components;
using Suite.LocalServers;

namespace Suite.DaprEmulator.Tests.Redis;

// One real redis-server per test class; tests isolate themselves with unique keys and topics.
public sealed class RedisFixture : IAsyncLifetime
{
    private const string FilePath = "components/redis.yaml";

    private RedisServer? _server;
    private ConnectionMultiplexer? _client;

    public RedisServer Server => _server ?? throw new InvalidOperationException("fixture not initialised");

    // A plain client for arranging and inspecting Redis behind the component's back.
    public IDatabase Database => (_client ?? throw new InvalidOperationException("fixture not initialised")).GetDatabase();

    public static ComponentContext Context(string appId = "test-app") => new(appId, NullLoggerFactory.Instance, TimeProvider.System);

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public async ValueTask InitializeAsync()
    {
        _server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        _client = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    // A component pointing at this server; metadata adds or overrides fields.
    public ComponentDefinition Component(string type, params (string Name, string Value)[] metadata)
    {
        var values = new Dictionary<string, string> { ["redisHost"] = Server.ConnectionString };
        foreach (var (name, value) in metadata)
        {
            values[name] = value;
        }

        return new ComponentDefinition("redis", type, "v1", new ComponentMetadata(values, FilePath), [], FilePath);
    }
}
