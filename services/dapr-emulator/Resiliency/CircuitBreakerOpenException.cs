namespace Suite.DaprEmulator.Resiliency;

public sealed class CircuitBreakerOpenException() : Exception("circuit breaker is open");
