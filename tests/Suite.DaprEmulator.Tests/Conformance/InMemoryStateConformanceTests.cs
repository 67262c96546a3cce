namespace Suite.DaprEmulator.Tests.Conformance;

public sealed class InMemoryStateConformanceTests : StateConformanceTests
{
    protected override string StateYaml => """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: statestore
        spec:
          type: state.in-memory
          version: v1
          metadata: []
        """;
}
