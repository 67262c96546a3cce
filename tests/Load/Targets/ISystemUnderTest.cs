using Suite.Load.Clients;

namespace Suite.Load.Targets;

/// <summary>
/// The servers a scenario runs against: the suite in one of its modes, or a peer. Implementations
/// start what they need and stop all of it on dispose.
/// </summary>
internal interface ISystemUnderTest : IAsyncDisposable
{
    /// <summary>A short name written into the result ("edge", "embedded", "redis", "nats", "seed-ws", "signalr", "urls").</summary>
    string Mode { get; }

    /// <summary>Where clients connect: the suite's edges, or a peer's instances.</summary>
    IReadOnlyList<EdgeTarget> Edges { get; }

    /// <summary>The HS256 key the edges accept; tokens are minted with it.</summary>
    string SigningKey { get; }

    /// <summary>What is known of how the servers run (GC mode, settings, versions), for the result.</summary>
    IReadOnlyDictionary<string, string> Description { get; }

    /// <summary>False when the protocol has no user-to-user message (the peers).</summary>
    bool SupportsDirect => true;

    /// <summary>
    /// A Dapr sidecar's HTTP API (http://127.0.0.1:port/) where a business service would publish to
    /// the <c>notifications</c> topic; null when the system has no Dapr (the peers, a lone edge).
    /// </summary>
    Uri? DaprHttpEndpoint => null;

    /// <summary>Prometheus endpoints of every suite service (room's publish counters live there); empty for the peers.</summary>
    IReadOnlyList<Uri> MetricsEndpoints => [.. Edges.Select(e => new Uri(e.HttpUri, "metrics"))];

    /// <summary>A client of the protocol this system speaks.</summary>
    IGatewayClient CreateClient(int index, string userId, IBenchObserver? observer) => new ProtocolV1Client(index, userId, observer);

    /// <summary>
    /// Every server process of the system right now (edges, services, sidecars, brokers, peer
    /// instances), for CPU per delivered message with all of them counted; not the load generator.
    /// </summary>
    IReadOnlyList<int> ServerProcessIds() => [.. Edges.Where(e => e.ProcessId is not null).Select(e => e.ProcessId!.Value)];

    /// <summary>
    /// <see cref="ServerProcessIds"/>, each named by its role (<c>room</c>, <c>room sidecar</c>,
    /// <c>edge-0</c>, <c>redis-server</c>, <c>seed-ws-1</c>), for CPU per process.
    /// </summary>
    IReadOnlyList<ServerProcess> ServerProcesses() => ProcessRoles.Name(ServerProcessIds(), Edges);
}
