namespace Suite.ServiceDefaults.ServiceAuth;

/// <summary>
/// Which services may call which methods of a gRPC service, by full method name
/// (<c>/package.Service/Method</c>). A method not listed may be called by any service of the suite.
/// </summary>
public sealed class CallerPolicy(IReadOnlyDictionary<string, string[]> onlyBy)
{
    public static CallerPolicy Open { get; } = new(new Dictionary<string, string[]>());

    /// <summary>
    /// <paramref name="methods"/> of <paramref name="service"/> only by <paramref name="callers"/>;
    /// a method name the contract does not have is an error at start, so a rename cannot open a method.
    /// </summary>
    public static CallerPolicy Only(Google.Protobuf.Reflection.ServiceDescriptor service, string[] callers, params string[] methods) =>
        new(methods.ToDictionary(
            method => $"/{service.FullName}/{(service.FindMethodByName(method) ?? throw new ArgumentException($"{service.FullName} has no method {method}", nameof(methods))).Name}",
            _ => callers,
            StringComparer.Ordinal));

    public bool Allows(string method, string service) =>
        !onlyBy.TryGetValue(method, out var allowed) || allowed.Contains(service, StringComparer.Ordinal);
}
