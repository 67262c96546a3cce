namespace Suite.DaprEmulator.Hosting;

/// <summary>The daprd command-line flags the emulator honours, with daprd's defaults.</summary>
public sealed record SidecarOptions
{
    public required string AppId { get; init; }

    /// <summary>Null when the app receives nothing (a publisher-only app).</summary>
    public int? AppPort { get; init; }

    public string AppChannelAddress { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (tests); daprd's default is 50001.</summary>
    public int GrpcPort { get; init; } = 50001;

    public int HttpPort { get; init; } = 3500;

    /// <summary>Where Kestrel listens; daprd listens on localhost by default.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    public IReadOnlyList<string> ResourcesPaths { get; init; } = [];

    /// <summary>Required from callers (DAPR_API_TOKEN); empty means no check.</summary>
    public string? ApiToken { get; init; }

    /// <summary>Sent to the app as dapr-api-token (APP_API_TOKEN).</summary>
    public string? AppApiToken { get; init; }

    /// <summary>For the {podName} template (POD_NAME in Kubernetes).</summary>
    public string? PodName { get; init; }

    /// <summary>For {namespace} and keyPrefix namespace (NAMESPACE in Kubernetes).</summary>
    public string? Namespace { get; init; }

    /// <summary>
    /// Not a daprd flag: for hosts that run several sidecars in one process (the embedded suite),
    /// a bus their <c>pubsub.in-memory</c> components share.
    /// </summary>
    public PubSub.InMemory.InMemoryBus? SharedInMemoryBus { get; init; }
}
