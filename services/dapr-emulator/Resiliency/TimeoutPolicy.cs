namespace Suite.DaprEmulator.Resiliency;

/// <summary>A <c>spec.policies.timeouts</c> entry: the limit on one attempt.</summary>
public sealed record TimeoutPolicy(string Name, TimeSpan Duration);
