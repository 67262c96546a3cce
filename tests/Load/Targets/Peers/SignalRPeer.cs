using System.Globalization;
using Suite.Load.Clients;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// Mode <c>signalr</c>: the ASP.NET Core SignalR peer with the StackExchange.Redis backplane, N
/// instances on one Redis, driven by <see cref="SignalRClient"/> over the JSON hub protocol.
/// </summary>
internal sealed class SignalRPeer : ISystemUnderTest
{
    private readonly PeerCluster _cluster;

    private SignalRPeer(PeerCluster cluster, string signingKey, Dictionary<string, string> description)
    {
        _cluster = cluster;
        SigningKey = signingKey;
        Description = description;
    }

    public string Mode => "signalr";

    public IReadOnlyList<EdgeTarget> Edges => _cluster.Edges;

    public string SigningKey { get; }

    public IReadOnlyDictionary<string, string> Description { get; }

    public bool SupportsDirect => false;

    public IReadOnlyList<Uri> MetricsEndpoints => [];

    public IReadOnlyList<int> ServerProcessIds() => _cluster.ProcessIds;

    public IGatewayClient CreateClient(int index, string userId, IBenchObserver? observer) => new SignalRClient(index, userId, observer);

    public static async Task<SignalRPeer> StartAsync(string peersDir, int instances, string signingKey, string? cpus, CancellationToken cancellationToken)
    {
        var dll = await PeerBuild.PrepareSignalRAsync(peersDir, cancellationToken);
        var cluster = await PeerCluster.StartAsync("signalr", instances, cpus, "/hub", (i, port, redis) => ServerChild.Start(
            $"signalr-{i}",
            "dotnet",
            [dll, "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--redis", redis.Endpoint, "--jwt-key", signingKey],
            Path.GetDirectoryName(dll)!,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            cpus), cancellationToken);
        return new SignalRPeer(cluster, signingKey, new Dictionary<string, string>
        {
            ["peer"] = "signalr: ASP.NET Core SignalR + StackExchange.Redis backplane, stock options",
            ["peerDll"] = dll,
            // The peer's csproj asks for server GC (concurrent); the generator does not override it.
            ["gc"] = "server, concurrent (peer csproj)",
            ["instances"] = instances.ToString(CultureInfo.InvariantCulture),
            ["redis"] = cluster.Redis.Endpoint,
            ["cpus"] = cpus ?? "any",
        });
    }

    public ValueTask DisposeAsync()
    {
        _cluster.Dispose();
        return ValueTask.CompletedTask;
    }
}
