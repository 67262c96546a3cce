using Suite.DaprEmulator.Resiliency;
using Suite.DaprEmulator.Subscriptions;

namespace Suite.DaprEmulator.Components;

/// <summary>Everything the resources folders hold that applies to this app id.</summary>
public sealed record LoadedResources(
    IReadOnlyList<ComponentDefinition> Components,
    ResiliencySpec Resiliency,
    IReadOnlyList<AppSubscription> Subscriptions);
