namespace Suite.ServiceDefaults.Tests.State;

public sealed class InMemoryStateStoreTests : StateStoreTests
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

    protected override bool TransactionsApplyPartially => false;
}
