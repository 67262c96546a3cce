using System.Globalization;
using Suite.LocalServers;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// What both peers are made of: one Redis and N instances of the peer on free loopback ports, all
/// pinned to the same CPUs, each instance healthy before the run starts. Stops all of it on dispose.
/// </summary>
internal sealed class PeerCluster : IAsyncDisposable
{
    private readonly RedisServer _redis;
    private readonly List<ServerChild> _instances;

    private PeerCluster(RedisServer redis, List<ServerChild> instances, List<EdgeTarget> edges)
    {
        _redis = redis;
        _instances = instances;
        Edges = edges;
    }

    public IReadOnlyList<EdgeTarget> Edges { get; }

    public RedisServer Redis => _redis;

    /// <summary>The instances' pids and Redis's.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _instances.Select(i => i.ProcessId), _redis.ProcessId];

    /// <param name="name">Instance names are name-0, name-1, …</param>
    /// <param name="start">Starts instance i on the given port against the given Redis.</param>
    /// <param name="socketPath">The WebSocket path (/ws, /hub).</param>
    public static async Task<PeerCluster> StartAsync(string name, int instances, string? cpus, string socketPath, Func<int, int, RedisServer, ServerChild> start, CancellationToken cancellationToken)
    {
        var redis = await RedisServer.StartAsync(cancellationToken, cpus);
        var children = new List<ServerChild>();
        var cluster = new PeerCluster(redis, children, []);
        try
        {
            var edges = new List<EdgeTarget>();
            for (var i = 0; i < instances; i++)
            {
                var port = FreePort.Next();
                var child = start(i, port, redis);
                children.Add(child);
                var http = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
                edges.Add(new EdgeTarget($"{name}-{i}", new Uri($"ws://127.0.0.1:{port}{socketPath}"), http, child.ProcessId));
            }

            // Started together, waited for together: the instances warm up in parallel.
            await Task.WhenAll(children.Select((child, i) => child.WaitHealthyAsync(new Uri(edges[i].HttpUri, "health"), TimeSpan.FromSeconds(60), cancellationToken)));
            return new PeerCluster(redis, children, edges);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            instance.Dispose();
        }

        await _redis.DisposeAsync();
    }
}
