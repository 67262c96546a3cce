using System.Text.Json.Nodes;
using Suite.Deploy.Tests.Facts;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>An overlay rendered, with the look-ups the checks share.</summary>
public sealed class RenderedDeployment(string name, IEnumerable<Resource> resources)
{
    private readonly List<Resource> _resources = [.. resources];

    public string Name { get; } = name;

    public IReadOnlyList<Resource> Resources => _resources;

    public static RenderedDeployment Overlay(string overlay) =>
        new(overlay, KustomizeRenderer.Render(Path.Combine(Suite.LocalServers.RepositoryRoot.Find(), "deploy", "k8s", "overlays", overlay)));

    /// <summary>Drops a resource (tests that show a check catches a missing one).</summary>
    public void Remove(string kind, string name) => _resources.RemoveAll(r => r.Kind == kind && r.Name == name);

    public IEnumerable<Resource> OfKind(string kind) => Resources.Where(r => r.Kind == kind);

    public Resource? Find(string kind, string name) => Resources.FirstOrDefault(r => r.Kind == kind && r.Name == name);

    public IEnumerable<Resource> DaprWorkloads => Resources.Where(r => r.IsWorkload() && r.Annotation("dapr.io/enabled") == "true");

    /// <summary>The workloads whose app id is the app's.</summary>
    public IEnumerable<Resource> WorkloadsOf(SuiteApp app) => DaprWorkloads.Where(w => w.Annotation("dapr.io/app-id") == app.AppId);

    /// <summary>The app's workload, its container and the ports it computes from that container's settings.</summary>
    public IEnumerable<(SuiteApp App, Resource Workload, JsonObject Container, ServicePorts Ports)> SuiteContainers()
    {
        foreach (var app in SuiteApp.All)
        {
            foreach (var workload in WorkloadsOf(app))
            {
                if (workload.AppContainer(app.AppId) is { } container)
                {
                    yield return (app, workload, container, ServicePorts.Of(app, container.LiteralSettings()));
                }
            }
        }
    }

    /// <summary>The suite workload whose pods a selector picks (Services, PDBs), if any.</summary>
    public Resource? WorkloadSelectedBy(JsonNode? matchLabels) =>
        Resources.Where(r => r.IsWorkload()).FirstOrDefault(w => PodTemplate.Selects(matchLabels, w.Labels()));
}
