using Suite.Deploy.Tests.Facts;
using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests;

/// <summary>Every YAML file under components/ and deploy/: it parses, it is a resource, and it is used.</summary>
public sealed class YamlFilesTests
{
    private static readonly string Root = Suite.LocalServers.RepositoryRoot.Find();

    [Fact]
    public void Every_yaml_file_parses_into_named_resources()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Root, "components"), "*.yaml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "deploy"), "*.yaml", SearchOption.AllDirectories))
            .Where(file => !IsPrometheusRules(file))
            .ToList();
        Assert.NotEmpty(files);

        var problems = files
            .SelectMany(file => YamlDocuments.Load(file).Select(document => (file, document)))
            .Where(x => x.document.Str("kind") is null || x.document.Str("apiVersion") is null
                || (x.document.Str("kind") != "Kustomization" && x.document.Str("metadata", "name") is null))
            .Select(x => $"{Path.GetRelativePath(Root, x.file)}: a document without apiVersion, kind or metadata.name")
            .ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// deploy/observability holds Prometheus rule files (for <c>rule_files</c>), not resources: each
    /// parses into groups of named rules with an expression (ObservabilityNamesTests checks the names
    /// they use against what the services export).
    /// </summary>
    [Fact]
    public void Every_prometheus_rule_file_parses_into_groups_of_alerts_with_expressions()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Root, "deploy"), "*.yaml", SearchOption.AllDirectories).Where(IsPrometheusRules).ToList();
        Assert.NotEmpty(files);

        var rules = files.SelectMany(YamlDocuments.Load).SelectMany(d => d.Items("groups")).SelectMany(g => g.Items("rules")).ToList();
        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.True(r.Str("alert") is { Length: > 0 } && r.Str("expr") is { Length: > 0 }, $"a rule without alert or expr: {r.ToJsonString()}"));
    }

    private static bool IsPrometheusRules(string file) =>
        Path.GetRelativePath(Root, file).StartsWith(Path.Combine("deploy", "observability") + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    [Fact]
    public void Every_manifest_under_deploy_k8s_is_part_of_an_overlay()
    {
        var rendered = new[] { "redis", "nats" }.SelectMany(o => RenderedDeployment.Overlay(o).Resources).Select(r => r.Source).ToHashSet();
        var orphans = Directory.EnumerateFiles(Path.Combine(Root, "deploy", "k8s"), "*.yaml", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Select(f => Path.GetRelativePath(Root, f))
            .Where(f => !rendered.Contains(f))
            .ToList();

        Assert.True(orphans.Count == 0, "not in any overlay (a manifest nobody applies):\n" + string.Join("\n", orphans));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    [InlineData("nats")]
    public void Each_local_components_folder_has_every_component_the_services_use(string folder)
    {
        var names = Directory.EnumerateFiles(Path.Combine(Root, "components", folder), "*.yaml")
            .SelectMany(YamlDocuments.Load)
            .Where(d => d.Str("kind") == "Component")
            .Select(d => d.Str("metadata", "name"))
            .ToList();

        foreach (var component in SuiteApp.All.SelectMany(a => a.Components).Distinct())
        {
            Assert.Single(names, n => n == component);
        }
    }
}
