namespace Suite.ServiceDefaults.State;

/// <summary>
/// The store refused a state transaction. daprd reports every failure of a transaction as gRPC
/// Internal, an ETag mismatch included (dapr-contract.md §1.3), so the caller cannot tell "another
/// writer got there first" from any other store error, and must treat both alike: re-read, then
/// retry or give up. What was applied depends on the store: state.in-memory checks every ETag
/// before it writes anything (all or nothing), while state.redis does not roll back, so the other
/// operations of a failed transaction may have landed (§4.2). Write transactions whose operations
/// are each harmless on their own, or that can be repeated.
/// </summary>
public sealed class StateTransactionFailedException(int operations, Exception inner)
    : Exception($"state transaction of {operations} operations failed (an ETag mismatch or a store error; the store does not say which)", inner);
