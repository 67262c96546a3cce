namespace Suite.DaprEmulator.Resiliency;

/// <summary>The policy names a target (e.g. <c>components.pubsub.inbound</c>) refers to.</summary>
public sealed record ResiliencyTarget(string? Timeout, string? Retry, string? CircuitBreaker);
