using Suite.Testing;

namespace Suite.ServiceDefaults.Tests.State;

public sealed class RedisStateStoreTests : StateStoreTests
{
    private RedisServer? _redis;

    protected override string StateYaml => ComponentYaml.Of("statestore", "state.redis", _redis!.ConnectionString);

    // Redis runs each operation of MULTI/EXEC on its own and does not roll back (dapr-contract.md §4.2).
    protected override bool TransactionsApplyPartially => true;

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
