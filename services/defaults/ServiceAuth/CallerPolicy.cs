namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>
/// Which services may call which methods of a gRPC service, by full method name
/// (<c>/package.Service/Method</c>). A method not listed may be called by any service of the suite.
/// </summary>
public sealed class CallerPolicy(IReadOnlyDictionary<string, string[]> onlyBy)
{
    public static CallerPolicy Open { get; } = new(new Dictionary<string, string[]>());

    public bool Allows(string method, string service) =>
        !onlyBy.TryGetValue(method, out var allowed) || allowed.Contains(service, StringComparer.Ordinal);
}
