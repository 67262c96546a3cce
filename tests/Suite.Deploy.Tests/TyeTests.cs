using Suite.Deploy.Tests.Facts;
using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests;

/// <summary>
/// tye's dapr extension gives daprd a service's first binding as its app port, so that binding must
/// be the port the service serves the Dapr callbacks on (issue 14: it was the gRPC port, and daprd
/// could not read /dapr/subscribe).
/// </summary>
public sealed class TyeTests
{
    private static readonly string Root = Suite.LocalServers.RepositoryRoot.Find();

    [Fact]
    public void Each_services_first_binding_is_its_dapr_callback_port()
    {
        var tye = YamlDocuments.Load(Path.Combine(Root, "tye.yaml")).Single();
        Assert.Contains(tye.Items("extensions"), e => e.Str("name") == "dapr");

        var projects = tye.Items("services").Where(s => s.Str("project") is not null).ToList();
        var problems = new List<string>();
        foreach (var service in projects)
        {
            var folder = service.Str("project")!.Replace('\\', '/').Split('/')[1];
            var app = SuiteApp.All.Single(a => a.Folder == folder);
            var settings = service.Items("env").ToDictionary(e => e.Str("name")!.Replace("__", ":", StringComparison.Ordinal), e => e.Str("value"));
            var ports = ServicePorts.Of(app, settings);
            var first = service.Items("bindings").FirstOrDefault().Int("port");
            if (first != ports.CallbackPort)
            {
                problems.Add($"tye.yaml {service.Str("name")}: first binding {first}, but {app.AppId} serves the Dapr callbacks on {ports.CallbackPort}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(SuiteApp.All.Select(a => a.Folder).Order(), projects.Select(p => p.Str("project")!.Split('/')[1]).Distinct().Order());
    }
}
