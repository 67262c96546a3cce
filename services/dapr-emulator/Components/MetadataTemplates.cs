namespace Suite.DaprEmulator.Components;

/// <summary>
/// Resolves the templates daprd resolves in every component metadata value, once at start
/// (dapr: pkg/runtime/meta/meta.go).
/// </summary>
public sealed class MetadataTemplates(string appId, string? podName, string? kubernetesNamespace)
{
    public string Resolve(string value, string filePath, string field)
    {
        if (!value.Contains('{', StringComparison.Ordinal))
        {
            return value;
        }

        var result = value.Replace("{appID}", appId, StringComparison.Ordinal);
        if (result.Contains("{podName}", StringComparison.Ordinal))
        {
            // daprd treats a missing pod name as fatal: a per-pod consumer group without a pod name
            // would silently become a shared one.
            if (string.IsNullOrEmpty(podName))
            {
                throw new ComponentConfigurationException(filePath, field, "uses {podName} but no pod name is set (POD_NAME or --pod-name)");
            }

            result = result.Replace("{podName}", podName, StringComparison.Ordinal);
        }

        // {namespace} is "<namespace>.<appID>", not just the namespace (dapr-contract.md §3.2).
        result = result.Replace("{namespace}", $"{kubernetesNamespace}.{appId}", StringComparison.Ordinal);

        // Each {uuid} occurrence gets its own value.
        while (result.Contains("{uuid}", StringComparison.Ordinal))
        {
            var at = result.IndexOf("{uuid}", StringComparison.Ordinal);
            result = string.Concat(result.AsSpan(0, at), Guid.NewGuid().ToString(), result.AsSpan(at + "{uuid}".Length));
        }

        return result;
    }
}
