namespace Suite.DaprEmulator.Tests.Conformance;

public sealed class InMemoryPubSubConformanceTests : PubSubConformanceTests
{
    protected override bool CrossesSidecars => false;

    protected override bool RedeliversUnacknowledged => false;

    protected override string PubSubYaml(string group) => """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.in-memory
          version: v1
          metadata: []
        """;
}
