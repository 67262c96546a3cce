using System.Globalization;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// Mode <c>seed-ws</c>: the Node peer (ws + ioredis Pub/Sub), N instances on one Redis. It speaks
/// protocol v1, so the default <see cref="Clients.ProtocolV1Client"/> drives it: its auth:ok has no
/// connection id, and a join is confirmed by the user:joined for one's own user id.
/// </summary>
internal static class SeedWsPeer
{
    public static async Task<PeerSystem> StartAsync(string peersDir, int instances, string signingKey, string? cpus, CancellationToken cancellationToken)
    {
        var folder = await PeerBuild.PrepareSeedWsAsync(peersDir, cancellationToken);
        var cluster = await PeerCluster.StartAsync("seed-ws", instances, cpus, "/ws", (i, port, redis) => ServerChild.Start(
            $"seed-ws-{i}",
            "node",
            ["server.js"],
            folder,
            new Dictionary<string, string>
            {
                ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["HOST"] = "127.0.0.1",
                ["REDIS_URL"] = $"redis://{redis.ConnectionString}",
                ["JWT_SECRET"] = signingKey,
                ["INSTANCE_ID"] = $"seed-ws-{i}",
            },
            cpus), cancellationToken);
        return new PeerSystem("seed-ws", cluster, signingKey, new Dictionary<string, string>
        {
            ["peer"] = "seed-ws: Node ws + ioredis Pub/Sub",
            ["peerDir"] = folder,
            ["instances"] = instances.ToString(CultureInfo.InvariantCulture),
            ["redis"] = cluster.Redis.ConnectionString,
            ["cpus"] = cpus ?? "any",
        });
    }
}
