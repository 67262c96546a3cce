using System.Globalization;
using Suite.Load.Clients;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// Mode <c>signalr</c>: the ASP.NET Core SignalR peer with the StackExchange.Redis backplane, N
/// instances on one Redis, driven by <see cref="SignalRClient"/> over the JSON hub protocol.
/// </summary>
internal static class SignalRPeer
{
    public static async Task<PeerSystem> StartAsync(string peersDir, int instances, string signingKey, string? cpus, CancellationToken cancellationToken)
    {
        var dll = await PeerBuild.PrepareSignalRAsync(peersDir, cancellationToken);
        var cluster = await PeerCluster.StartAsync("signalr", instances, cpus, "/hub", (i, port, redis) => ServerChild.Start(
            $"signalr-{i}",
            "dotnet",
            [dll, "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--redis", redis.ConnectionString, "--jwt-key", signingKey],
            Path.GetDirectoryName(dll)!,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            cpus), cancellationToken);
        return new PeerSystem("signalr", cluster, signingKey, new Dictionary<string, string>
        {
            ["peer"] = "signalr: ASP.NET Core SignalR + StackExchange.Redis backplane, stock options",
            ["peerDll"] = dll,
            // The peer's csproj asks for server GC (concurrent); the generator does not override it.
            ["gc"] = "server, concurrent (peer csproj)",
            ["instances"] = instances.ToString(CultureInfo.InvariantCulture),
            ["redis"] = cluster.Redis.ConnectionString,
            ["cpus"] = cpus ?? "any",
        }, (index, userId, observer) => new SignalRClient(index, userId, observer));
    }
}
