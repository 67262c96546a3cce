using Suite.Deploy.Tests.Manifests;

namespace Suite.Deploy.Tests;

/// <summary>The test's kustomize renderer on the features deploy/k8s may use.</summary>
public sealed class KustomizeRendererTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kustomize-").FullName;

    [Fact]
    public void Overlay_patches_merge_into_base_resources_by_container_and_env_name()
    {
        Write("base/kustomization.yaml", "resources: [app.yaml]\nnamespace: suite\n");
        Write("base/app.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: app }
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    image: gateway-suite/app
                    env:
                    - { name: A, value: "1" }
                    - { name: B, value: "2" }
            """);
        Write("overlay/kustomization.yaml", """
            resources: [../base]
            patches:
            - path: patch.yaml
            images:
            - { name: gateway-suite/app, newTag: "1.2" }
            """);
        Write("overlay/patch.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: app }
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: app
                    env:
                    - { name: B, value: "20" }
                    - { name: C, value: "3" }
            """);

        var app = KustomizeRenderer.Render(Path.Combine(_folder, "overlay")).Single();

        Assert.Equal("suite", app.Body.Str("metadata", "namespace"));
        Assert.Equal("3", app.Body.Str("spec", "replicas"));
        var container = PodTemplate.Containers(app.Body).Single();
        Assert.Equal("gateway-suite/app:1.2", container.Str("image"));
        Assert.Equal(["A=1", "B=20", "C=3"], container.Items("env").Select(e => $"{e.Str("name")}={e.Str("value")}"));
    }

    [Fact]
    public void A_field_the_renderer_does_not_know_fails_the_render()
    {
        Write("kustomization.yaml", "resources: []\nreplacements: []\n");

        var error = Assert.Throws<NotSupportedException>(() => KustomizeRenderer.Render(_folder));

        Assert.Contains("replacements", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string path, string text)
    {
        var full = Path.Combine(_folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
