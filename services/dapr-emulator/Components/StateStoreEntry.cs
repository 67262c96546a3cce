using Suite.DaprEmulator.State;

namespace Suite.DaprEmulator.Components;

/// <summary>A state store and the key prefix daprd puts in front of every key for it.</summary>
public sealed record StateStoreEntry(string Name, IStateStore Store, string KeyPrefix)
{
    public const string Separator = "||";

    /// <summary>daprd's <c>keyPrefix</c> rule (dapr: pkg/components/state/state_config.go).</summary>
    public static string PrefixFor(ComponentDefinition definition, string appId, string? kubernetesNamespace)
    {
        var mode = definition.Metadata.GetString("keyPrefix") ?? "appid";
        var prefix = mode.ToLowerInvariant() switch
        {
            "appid" => appId,
            "name" => definition.Name,
            "namespace" => string.IsNullOrEmpty(kubernetesNamespace) ? appId : $"{kubernetesNamespace}.{appId}",
            "none" => "",
            _ => mode,
        };
        if (prefix.Contains(Separator, StringComparison.Ordinal))
        {
            throw new ComponentConfigurationException(definition.FilePath, "keyPrefix", $"must not contain '{Separator}'");
        }

        return prefix.Length == 0 ? "" : prefix + Separator;
    }
}
