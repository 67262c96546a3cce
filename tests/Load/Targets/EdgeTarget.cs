namespace Suite.Load.Targets;

/// <summary>One edge (or peer instance) the generator drives: where clients connect, its HTTP side (metrics, deliveries), and its process when it is local.</summary>
/// <param name="ProcessId">The edge's process on this machine, for RSS, CPU and a forced GC; null when it is not ours to inspect.</param>
internal sealed record EdgeTarget(string EdgeId, Uri WebSocketUri, Uri HttpUri, int? ProcessId)
{
    /// <summary>The edge's internal port (Dapr callbacks such as /dapr/deliveries), when known; the public one refuses those.</summary>
    public Uri? InternalUri { get; init; }
}
