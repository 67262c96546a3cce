namespace Suite.Testing;

/// <summary>Dapr component YAML for test resources folders.</summary>
public static class ComponentYaml
{
    /// <summary>A component of <paramref name="type"/>; with <paramref name="redisHost"/>, pointed at that Redis, else without metadata.</summary>
    public static string Of(string name, string type, string? redisHost = null) =>
        $"apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: {type}\n  version: v1\n  metadata:"
        + (redisHost is null ? " []\n" : $"\n  - name: redisHost\n    value: \"{redisHost}\"\n");
}
