using Suite.Testing;

namespace Suite.ServiceDefaults.Tests.State;

public sealed class InMemoryStateStoreTests : StateStoreTests
{
    protected override string StateYaml => ComponentYaml.Of("statestore", "state.in-memory");

    protected override bool TransactionsApplyPartially => false;
}
