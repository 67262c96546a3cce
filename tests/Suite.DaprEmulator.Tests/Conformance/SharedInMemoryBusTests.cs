using Suite.DaprEmulator.PubSub.InMemory;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.Conformance;

public sealed class SharedInMemoryBusTests
{
    [Fact]
    public async Task Sidecars_sharing_a_bus_deliver_each_others_in_memory_publications()
    {
        var ct = TestContext.Current.CancellationToken;
        var bus = new InMemoryBus();
        using var resources = new ResourcesFolder(("pubsub.yaml", """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
              metadata: []
            """));
        await using var subscriber = await SubscriberApp.StartAsync("subscriber", resources.Path, ct, adjust: o => o with { SharedInMemoryBus = bus });
        await using var publisher = await SubscriberApp.StartAsync("publisher", resources.Path, ct, subscribe: false, adjust: o => o with { SharedInMemoryBus = bus });

        await publisher.Dapr.PublishEventAsync(SubscriberApp.PubSub, "orders", new { n = 7 }, ct);

        var received = await Eventually.UntilAsync(() => Task.FromResult(subscriber.Events.On("orders")), e => e.Count == 1, TimeSpan.FromSeconds(10), ct);
        Assert.Equal("publisher", received[0].CloudEvent.GetProperty("source").GetString());
    }
}
