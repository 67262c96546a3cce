using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.Tests.Components;

public sealed class MetadataTemplatesTests
{
    private readonly MetadataTemplates _templates = new("edge-3", "edge-3-pod", "prod");

    [Fact]
    public void App_id_pod_name_and_namespace_are_substituted()
    {
        Assert.Equal("group-edge-3", _templates.Resolve("group-{appID}", "f.yaml", "consumerID"));
        Assert.Equal("edge-3-pod", _templates.Resolve("{podName}", "f.yaml", "consumerID"));
        Assert.Equal("prod.edge-3", _templates.Resolve("{namespace}", "f.yaml", "consumerID"));
    }

    [Fact]
    public void Each_uuid_occurrence_gets_its_own_value()
    {
        var value = _templates.Resolve("{uuid}/{uuid}", "f.yaml", "consumerID");

        var parts = value.Split('/');
        Assert.True(Guid.TryParse(parts[0], out _) && Guid.TryParse(parts[1], out _), value);
        Assert.NotEqual(parts[0], parts[1]);
        Assert.NotEqual(parts[0], _templates.Resolve("{uuid}", "f.yaml", "consumerID"));
    }

    [Fact]
    public void Pod_name_template_without_a_pod_name_is_a_configuration_error()
    {
        var templates = new MetadataTemplates("edge-3", null, null);

        var error = Assert.Throws<ComponentConfigurationException>(() => templates.Resolve("{podName}", "f.yaml", "spec.metadata.consumerID"));

        Assert.Equal("spec.metadata.consumerID", error.Field);
    }
}
