using System.Text.Json.Nodes;
using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests;

/// <summary>
/// The cluster's Dapr resources carry the settings of components/{broker}, which every test runs:
/// only where the broker is and how to log in to it may differ, so a retry or consumer setting
/// changed in one place and not the other fails here.
/// </summary>
public sealed class ComponentDriftTests
{
    // Connection settings: localhost in components/, the cluster's Services and Secrets in deploy/.
    private static readonly HashSet<string> ConnectionSettings = ["redisHost", "redisPassword", "natsURL"];

    [Theory]
    [InlineData("redis")]
    [InlineData("nats")]
    public void Each_overlay_has_the_components_and_policies_of_its_local_folder(string broker)
    {
        var deployed = RenderedDeployment.Overlay(broker);
        var local = Directory.EnumerateFiles(Path.Combine(Suite.LocalServers.RepositoryRoot.Find(), "components", broker), "*.yaml")
            .SelectMany(YamlDocuments.Load)
            .ToList();
        Assert.NotEmpty(local);

        var problems = new List<string>();
        foreach (var resource in local)
        {
            var kind = resource.Str("kind")!;
            var name = resource.Str("metadata", "name")!;
            if (deployed.Find(kind, name) is not { } twin)
            {
                problems.Add($"components/{broker} has {kind} {name}; overlay {broker} does not");
            }
            else if (kind == "Component")
            {
                if (resource.Str("spec", "type") != twin.Body.Str("spec", "type"))
                {
                    problems.Add($"{twin}: type {twin.Body.Str("spec", "type")}, components/{broker}: {resource.Str("spec", "type")}");
                }

                var expected = Settings(resource);
                var actual = Settings(twin.Body);
                problems.AddRange(expected.Keys.Union(actual.Keys).Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
                    .Select(k => $"{twin}: {k} is '{actual.GetValueOrDefault(k)}', components/{broker}: '{expected.GetValueOrDefault(k)}'"));
            }
            else if (!JsonNode.DeepEquals(resource["spec"], twin.Body["spec"]))
            {
                problems.Add($"{twin}: spec differs from components/{broker}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static Dictionary<string, string?> Settings(JsonObject component) =>
        component.Items("spec", "metadata")
            .Where(m => !ConnectionSettings.Contains(m.Str("name") ?? ""))
            .ToDictionary(m => m.Str("name")!, m => m.Str("value"));
}
