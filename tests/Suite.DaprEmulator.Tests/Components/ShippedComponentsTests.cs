using Microsoft.Extensions.Logging.Abstractions;
using Suite.DaprEmulator.Components;
using Suite.LocalServers;

namespace Suite.DaprEmulator.Tests.Components;

/// <summary>The component folders the suite ships load as they are, so switching broker is only a folder change.</summary>
public sealed class ShippedComponentsTests
{
    [Theory]
    [InlineData("memory", "pubsub.in-memory", "state.in-memory")]
    [InlineData("redis", "pubsub.redis", "state.redis")]
    [InlineData("nats", "pubsub.jetstream", "state.redis")]
    public async Task Components_folder_loads_with_pubsub_and_statestore(string folder, string pubsubType, string stateType)
    {
        var path = Path.Combine(RepositoryRoot.Find(), "components", folder);

        var resources = ResourceLoader.Load([path], "edge-0", new MetadataTemplates("edge-0", null, null));
        await using var registry = ComponentRegistry.Create(resources.Components, new ComponentContext("edge-0", NullLoggerFactory.Instance, TimeProvider.System), null);

        Assert.Equal(pubsubType, resources.Components.Single(c => c.Name == "pubsub").Type);
        Assert.Equal(stateType, resources.Components.Single(c => c.Name == "statestore").Type);
        Assert.Contains("pubsub", registry.PubSubs.Keys);
        Assert.Contains("statestore", registry.StateStores.Keys);
    }
}
