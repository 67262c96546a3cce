using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.Api;

/// <summary>Who this sidecar is, for the metadata API and logs.</summary>
public sealed record SidecarInfo(string AppId, IReadOnlyList<ComponentDefinition> Components);
