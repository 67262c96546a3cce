namespace Suite.Load.Targets;

/// <summary>Edges that someone else started (mode <c>urls</c>, or a test host); nothing to stop.</summary>
internal sealed class RunningEdges(IReadOnlyList<EdgeTarget> edges, string signingKey, string mode = "urls", Uri? daprHttp = null) : ISystemUnderTest
{
    public string Mode => mode;

    public IReadOnlyList<EdgeTarget> Edges => edges;

    public string SigningKey => signingKey;

    /// <summary>A sidecar of the running suite for the notify scenario (--dapr-http), if given.</summary>
    public Uri? DaprHttpEndpoint => daprHttp;

    public IReadOnlyDictionary<string, string> Description { get; } = new Dictionary<string, string>();

    /// <summary>From ws://host:port/ws URLs; the HTTP side is the same host and port.</summary>
    public static RunningEdges FromUrls(IReadOnlyList<string> urls, IReadOnlyList<string> edgeIds, string signingKey, Uri? daprHttp = null) =>
        new(urls.Select((url, i) =>
        {
            var ws = new Uri(url);
            return new EdgeTarget(edgeIds[i], ws, new UriBuilder(ws) { Scheme = ws.Scheme == "wss" ? "https" : "http", Path = "/" }.Uri, ProcessId: null);
        }).ToList(), signingKey, daprHttp: daprHttp);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
