using StackExchange.Redis;
using Suite.LocalServers;

[assembly: AssemblyFixture(typeof(Suite.Room.Tests.Integration.RedisFixture))]

namespace Suite.Room.Tests.Integration;

/// <summary>
/// One redis-server for the whole assembly: the pub/sub broker every room host publishes edge
/// deliveries to (tests read the edge.{id} streams directly), and the state store of the redis tests.
/// Hosts use their own app ids, rooms and edges, so they do not see each other's data.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public string ConnectionString => _server!.ConnectionString;

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        Connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
