namespace Suite.DaprEmulator.Resiliency;

/// <summary>
/// A <c>spec.policies.circuitBreakers</c> entry. Only the <c>consecutiveFailures &gt; N</c> form of the
/// CEL trip expression is supported; it is the form Dapr's own docs and defaults use.
/// </summary>
public sealed record CircuitBreakerPolicy(string Name, int MaxRequests, TimeSpan Interval, TimeSpan Timeout, int TripAfterConsecutiveFailures);
