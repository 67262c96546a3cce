namespace Suite.Launcher;

/// <summary>What to run: which components folder (the broker choice), how many edges and room replicas, where brokers are.</summary>
public sealed record TopologyOptions
{
    /// <summary>The folder holding Suite.sln; service builds are found below it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>A Dapr resources folder such as components/redis or components/nats.</summary>
    public required string ComponentsFolder { get; init; }

    public int Edges { get; init; } = 2;

    /// <summary>
    /// Room replicas, each beside its own sidecar with the app id <c>room</c> and told its own address
    /// (<c>Rooms__AdvertisedAddress</c>). Edge i lists every replica, replica i mod N first; notification lists them all.
    /// </summary>
    public int Rooms { get; init; } = 1;

    /// <summary>The build configuration whose outputs are run (bin/&lt;Configuration&gt;/net10.0).</summary>
    public string Configuration { get; init; } = "Debug";

    /// <summary>Replaces <c>localhost:6379</c> in the components, for a Redis on another port.</summary>
    public string? RedisAddress { get; init; }

    /// <summary>Replaces <c>nats://localhost:4222</c> in the components, for a NATS server on another port.</summary>
    public string? NatsUrl { get; init; }

    public string SigningKey { get; init; } = "development-only-signing-key-change-me-0123456789";

    /// <summary>
    /// The key the services authenticate each other's gRPC calls with (Internal__ServiceKey; at least
    /// 32 bytes); null = none, so a test may call a service directly. The launcher's command line makes one per run.
    /// </summary>
    public string? ServiceKey { get; init; }

    /// <summary>Extra configuration for every service, as environment variables (e.g. Edge__LeaseDuration).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The app API token (APP_API_TOKEN): each sidecar sends it on its calls to the app, and each
    /// service refuses Dapr callbacks without it. Null: no check, as before.
    /// </summary>
    public string? AppApiToken { get; init; }

    /// <summary>The Dapr API token (DAPR_API_TOKEN): each sidecar requires it, and each service sends it. Null: no check.</summary>
    public string? DaprApiToken { get; init; }

    /// <summary>
    /// A folder that receives every process's whole output, one file each (<c>edge-0.log</c>,
    /// <c>edge-0-sidecar.log</c>, <c>room.log</c>, <c>room-1.log</c> for a second replica, ...); null: output kept only in memory.
    /// </summary>
    public string? LogsFolder { get; init; }

    /// <summary>Edge HTTP ports in order (edge-0 first); free ports when empty.</summary>
    public IReadOnlyList<int> EdgePorts { get; init; } = [];
}
