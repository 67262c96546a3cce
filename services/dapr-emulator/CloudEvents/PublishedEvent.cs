namespace Suite.DaprEmulator.CloudEvents;

/// <summary>What a publish call carries before it becomes the bytes stored on the broker.</summary>
public sealed record PublishedEvent(
    string PubsubName,
    string Topic,
    ReadOnlyMemory<byte> Data,
    string ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    string? TraceParent,
    string? TraceState);
