using Suite.Load.Clients;

namespace Suite.Load.Targets.Peers;

/// <summary>
/// A peer's instances on one Redis, as scenarios see them: no direct messages, no Dapr input, no
/// suite metrics; CPU and memory from the instances' and Redis's processes.
/// </summary>
internal sealed class PeerSystem(
    string mode,
    PeerCluster cluster,
    string signingKey,
    Dictionary<string, string> description,
    Func<int, string, IBenchObserver?, IGatewayClient>? createClient = null) : ISystemUnderTest
{
    public string Mode => mode;

    public IReadOnlyList<EdgeTarget> Edges => cluster.Edges;

    public string SigningKey => signingKey;

    public IReadOnlyDictionary<string, string> Description => description;

    public bool SupportsDirect => false;

    public IReadOnlyList<Uri> MetricsEndpoints => [];

    public IReadOnlyList<int> ServerProcessIds() => cluster.ProcessIds;

    /// <summary>Protocol v1 unless the peer speaks another.</summary>
    public IGatewayClient CreateClient(int index, string userId, IBenchObserver? observer) =>
        createClient?.Invoke(index, userId, observer) ?? new ProtocolV1Client(index, userId, observer);

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
