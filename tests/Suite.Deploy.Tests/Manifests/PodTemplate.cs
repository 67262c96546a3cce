using System.Text.Json.Nodes;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>The pod template of a workload (Deployment, StatefulSet) and what the checks read from it.</summary>
public static class PodTemplate
{
    public static readonly string[] WorkloadKinds = ["Deployment", "StatefulSet", "DaemonSet"];

    public static bool IsWorkload(this Resource resource) => WorkloadKinds.Contains(resource.Kind);

    public static JsonNode? Template(JsonNode body) => body.At("spec", "template");

    public static string? Annotation(this Resource workload, string name) => Template(workload.Body).Str("metadata", "annotations", name);

    public static IEnumerable<JsonObject> Containers(JsonNode body) => Template(body).Items("spec", "containers");

    public static JsonObject? Labels(this Resource workload) => Template(workload.Body).At("metadata", "labels") as JsonObject;

    /// <summary>The container named like the app id, else the only one.</summary>
    public static JsonObject? AppContainer(this Resource workload, string appId)
    {
        var containers = Containers(workload.Body).ToList();
        return containers.FirstOrDefault(c => c.Str("name") == appId) ?? (containers.Count == 1 ? containers[0] : null);
    }

    public static JsonObject? Env(this JsonObject container, string name) =>
        container.Items("env").FirstOrDefault(e => e.Str("name") == name);

    /// <summary>The literal environment (value: entries) as configuration keys ("A__B" -> "A:B").</summary>
    public static Dictionary<string, string?> LiteralSettings(this JsonObject container) =>
        container.Items("env").Where(e => e.Str("value") is not null)
            .ToDictionary(e => e.Str("name")!.Replace("__", ":", StringComparison.Ordinal), e => e.Str("value"));

    /// <summary>A probe's or Service's port (a number, or a container port's name) as a number.</summary>
    public static int? ResolvePort(this JsonObject container, string? port) =>
        int.TryParse(port, out var number) ? number : container.Items("ports").FirstOrDefault(p => p.Str("name") == port).Int("containerPort");

    public static bool Selects(JsonNode? selector, JsonObject? labels) =>
        selector is JsonObject matchLabels && matchLabels.Count > 0 && labels is not null
        && matchLabels.All(pair => labels.Str(pair.Key) == pair.Value?.ToString());
}
