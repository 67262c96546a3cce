using Dapr.Client.Autogen.Grpc.v1;
using Suite.ServiceDefaults.Batching;

namespace Suite.ServiceDefaults.State;

/// <summary>
/// State transactions without etags, made while another is in flight, go out together as one
/// ExecuteStateTransaction (operations in the order they were made). Without etags nothing in such
/// a transaction depends on what another caller wrote, so merging them changes no outcome, except
/// that the store reports a failure for the whole: a merged transaction that fails is therefore
/// made again one caller at a time, so each caller gets its own outcome (on state.redis some of the
/// merged operations may have landed already; repeating an unconditional upsert or delete is harmless).
/// </summary>
internal sealed class UnconditionalTransactions
{
    // Well under what a sidecar takes in one request, and a bound on one MULTI/EXEC on Redis.
    private const int MaxOperations = 256;

    // The batch carries several callers' changes, so no one caller's token bounds it.
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(10);

    private readonly StateStore _store;
    private readonly CoalescingLane<Pending> _lane;

    public UnconditionalTransactions(StateStore store)
    {
        _store = store;
        _lane = new CoalescingLane<Pending>(CommitAsync, maxWeight: MaxOperations);
    }

    public async Task CommitAsync(TransactionalStateOperation[] operations, CancellationToken cancellationToken)
    {
        var pending = new Pending(operations);
        await _lane.Enqueue(pending, operations.Length).WaitAsync(cancellationToken);
        if (pending.Failure is { } failure)
        {
            throw failure;
        }
    }

    private async Task CommitAsync(IReadOnlyList<Pending> batch)
    {
        using var timeout = new CancellationTokenSource(CommitTimeout);
        if (batch.Count == 1)
        {
            await _store.ExecuteAsync(batch[0].Operations, timeout.Token);
            return;
        }

        try
        {
            await _store.ExecuteAsync(batch.SelectMany(p => p.Operations).ToArray(), timeout.Token);
        }
        catch (StateTransactionFailedException)
        {
            foreach (var pending in batch)
            {
                try
                {
                    await _store.ExecuteAsync(pending.Operations, timeout.Token);
                }
                catch (StateTransactionFailedException ex)
                {
                    pending.Failure = ex;
                }
            }
        }
    }

    private sealed class Pending(TransactionalStateOperation[] operations)
    {
        public TransactionalStateOperation[] Operations { get; } = operations;

        public StateTransactionFailedException? Failure { get; set; }
    }
}
