namespace Suite.DaprEmulator.Components;

/// <summary>One <c>kind: Component</c> document, with its metadata templates already resolved.</summary>
public sealed record ComponentDefinition(
    string Name,
    string Type,
    string Version,
    ComponentMetadata Metadata,
    IReadOnlyList<string> Scopes,
    string FilePath);
