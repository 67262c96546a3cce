using Suite.LocalServers;
using Suite.ServiceDefaults.State;
using Suite.Testing;

namespace Suite.ServiceDefaults.Tests.State;

public sealed class RedisStateStoreTests : StateStoreTests
{
    private RedisServer? _redis;

    protected override string StateYaml => ComponentYaml.Of("statestore", "state.redis", _redis!.ConnectionString);

    // Redis runs each operation of MULTI/EXEC on its own and does not roll back (dapr-contract.md §4.2).
    protected override bool TransactionsApplyPartially => true;

    [Fact]
    public async Task A_merged_transaction_that_fails_fails_only_the_caller_whose_operation_was_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counted = Host.CountingClient();
        var store = new StateStore(counted.Client, new StateStoreLimits());
        // state.redis refuses an upsert without etag on a key created with first-write.
        Assert.True(await store.TryWriteAsync("first-write", new Counter(1), "", ct));

        var calls = Enumerable.Range(0, 30)
            .Select(i => store.TransactAsync([StateChange.Upsert(i == 10 ? "first-write" : $"k{i}", new Counter(100 + i))], ct))
            .ToArray();
        var outcomes = await Task.WhenAll(calls.Select(async c => (await Record.ExceptionAsync(() => c)) is null));

        Assert.Equal(29, outcomes.Count(ok => ok));
        Assert.False(outcomes[10]);
        await Assert.ThrowsAsync<StateTransactionFailedException>(() => calls[10]);
        var found = await store.GetManyAsync<Counter>([.. Enumerable.Range(0, 30).Where(i => i != 10).Select(i => $"k{i}")], ct);
        Assert.Equal(29, found.Count);
        Assert.Equal(new Counter(1), await store.GetAsync<Counter>("first-write", ct));
    }

    public override async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
