namespace Suite.DaprEmulator.Resiliency;

public enum ComponentDirection
{
    Inbound,
    Outbound,
}

/// <summary>
/// Every <c>kind: Resiliency</c> document in the resources folders, merged. Lookups fall back to the
/// default policy names in the order daprd tries them.
/// </summary>
public sealed class ResiliencySpec
{
    public Dictionary<string, TimeoutPolicy> Timeouts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, RetryPolicy> Retries { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, CircuitBreakerPolicy> CircuitBreakers { get; } = new(StringComparer.Ordinal);

    public Dictionary<(string Component, ComponentDirection Direction), ResiliencyTarget> ComponentTargets { get; } = [];

    public ResiliencePipeline ForComponent(string componentName, string componentKind, ComponentDirection direction, TimeProvider time)
    {
        ComponentTargets.TryGetValue((componentName, direction), out var target);

        // dapr: pkg/resiliency — a named target wins, then Default<Kind>Component<Dir>…, then
        // DefaultComponent<Dir>…, then DefaultComponent…, then Default….
        var kind = componentKind == "pubsub" ? "Pubsub" : "Statestore";
        var dir = direction.ToString();
        string[] scopes = [$"{kind}Component{dir}", $"Component{dir}", "Component", ""];

        var retry = Find(Retries, target?.Retry, scopes, "RetryPolicy");
        var timeout = Find(Timeouts, target?.Timeout, scopes, "TimeoutPolicy");
        var breaker = Find(CircuitBreakers, target?.CircuitBreaker, scopes, "CircuitBreakerPolicy");
        return new ResiliencePipeline(retry, timeout, breaker is null ? null : new CircuitBreaker(breaker, time), time);
    }

    private static T? Find<T>(Dictionary<string, T> policies, string? named, string[] scopes, string suffix)
        where T : class
    {
        if (named is not null && policies.TryGetValue(named, out var explicitPolicy))
        {
            return explicitPolicy;
        }

        foreach (var scope in scopes)
        {
            if (policies.TryGetValue($"Default{scope}{suffix}", out var policy))
            {
                return policy;
            }
        }

        return null;
    }
}
