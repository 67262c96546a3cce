using Suite.ServiceDefaults.State;

namespace Suite.ServiceDefaults.Tests.State;

/// <summary>The shared state layer against a real emulator sidecar; one subclass per state component.</summary>
public abstract class StateStoreTests : IAsyncLifetime
{
    private StoreHost? _host;

    protected abstract string StateYaml { get; }

    /// <summary>Whether a refused transaction still applies its other operations (state.redis: no rollback).</summary>
    protected abstract bool TransactionsApplyPartially { get; }

    protected StoreHost Host => _host!;

    public virtual async ValueTask InitializeAsync() => _host = await StoreHost.StartAsync(StateYaml, TestContext.Current.CancellationToken);

    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_bulk_read_with_a_key_the_store_failed_to_read_fails_instead_of_leaving_it_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Host.Store();
        Assert.True(await store.TryWriteAsync("a", new Counter(1), "", ct));

        // The sidecar refuses this key alone (a Dapr key may not contain '||'), as an item error.
        var failure = await Assert.ThrowsAsync<Dapr.DaprException>(() => store.GetManyAsync<Counter>(["a", "bad||key"], ct));

        Assert.Contains("bad||key", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_key_reads_as_null_with_an_empty_etag_and_bulk_reads_leave_it_out()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Host.Store();
        Assert.True(await store.TryWriteAsync("a", new Counter(1), "", ct));

        var (value, etag) = await store.ReadAsync<Counter>("missing", ct);
        var many = await store.GetManyAsync<Counter>(["a", "missing"], ct);

        Assert.Null(value);
        Assert.Equal("", etag);
        Assert.Null(await store.GetAsync<Counter>("missing", ct));
        Assert.Equal(new Counter(1), Assert.Single(many).Value);
        Assert.Equal("a", many.Keys.Single());
        Assert.Empty(await store.GetManyAsync<Counter>([], ct));
    }

    [Fact]
    public async Task Empty_etag_writes_only_a_missing_key_and_a_stale_etag_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Host.Store();

        Assert.True(await store.TryWriteAsync("k", new Counter(1), "", ct));
        Assert.False(await store.TryWriteAsync("k", new Counter(2), "", ct));
        var (_, etag) = await store.ReadAsync<Counter>("k", ct);
        Assert.True(await store.TryWriteAsync("k", new Counter(3), etag, ct));
        Assert.False(await store.TryWriteAsync("k", new Counter(4), etag, ct));

        Assert.Equal(new Counter(3), await store.GetAsync<Counter>("k", ct));
    }

    [Fact]
    public async Task Parallel_updates_of_one_key_all_land_and_null_deletes()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Host.Store();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => store.UpdateAsync<Counter>("count", "counter", c => (new Counter((c?.Value ?? 0) + 1), true), ct)));
        Assert.Equal(new Counter(20), await store.GetAsync<Counter>("count", ct));

        var unchanged = await store.UpdateAsync<Counter>("count", "counter", c => (c, false), ct);
        Assert.Equal(new Counter(20), unchanged);
        Assert.Null(await store.UpdateAsync<Counter>("count", "counter", _ => (null, true), ct));
        Assert.Null(await store.GetAsync<Counter>("count", ct));
    }

    [Fact]
    public async Task Update_that_loses_every_attempt_reports_contention_and_each_conflict()
    {
        var ct = TestContext.Current.CancellationToken;
        var conflicts = new List<string>();
        var store = Host.Store(new StateStoreLimits { MaxAttempts = 3, MaxBackoff = TimeSpan.FromMilliseconds(2), OnConflict = conflicts.Add });
        var rival = Host.Store();
        await rival.TryWriteAsync("hot", new Counter(0), "", ct);

        // Another writer changes the key between each read and write of the update.
        var error = await Assert.ThrowsAsync<StateContentionException>(() => store.UpdateAsync<Counter>("hot", "hot-record", c =>
        {
            rival.UpdateAsync<Counter>("hot", "rival", r => (new Counter(r!.Value + 100), true), ct).GetAwaiter().GetResult();
            return (new Counter(c!.Value + 1), true);
        }, ct));

        Assert.Equal("hot", error.Key);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(["hot-record", "hot-record", "hot-record"], conflicts);
        Assert.Equal(new Counter(300), await store.GetAsync<Counter>("hot", ct));
    }

    [Fact]
    public async Task Transaction_applies_upserts_and_deletes_together()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Host.Store();
        await store.TryWriteAsync("old", new Counter(1), "", ct);
        await store.TryWriteAsync("guarded", new Counter(1), "", ct);
        var (_, etag) = await store.ReadAsync<Counter>("guarded", ct);

        await store.TransactAsync(
            [
                StateChange.Upsert("new", new Counter(7), ttl: TimeSpan.FromMinutes(5)),
                StateChange.Upsert("guarded", new Counter(2), etag),
                StateChange.Delete("old"),
            ],
            ct);

        var found = await store.GetManyAsync<Counter>(["new", "guarded", "old"], ct);
        Assert.Equal(new Counter(7), found["new"]);
        Assert.Equal(new Counter(2), found["guarded"]);
        Assert.False(found.ContainsKey("old"));
    }

    [Fact]
    public async Task Transaction_with_a_stale_etag_fails_as_one_typed_error()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Host.Store();
        await store.TryWriteAsync("guarded", new Counter(1), "", ct);
        var (_, stale) = await store.ReadAsync<Counter>("guarded", ct);
        await store.UpdateAsync<Counter>("guarded", "counter", c => (new Counter(c!.Value + 1), true), ct);

        var error = await Assert.ThrowsAsync<StateTransactionFailedException>(() => store.TransactAsync(
            [StateChange.Upsert("other", new Counter(9)), StateChange.Upsert("guarded", new Counter(100), stale)],
            ct));

        Assert.Contains("2 operations", error.Message, StringComparison.Ordinal);
        Assert.Equal(new Counter(2), await store.GetAsync<Counter>("guarded", ct));
        Assert.Equal(TransactionsApplyPartially, await store.GetAsync<Counter>("other", ct) is not null);
    }

    [Fact]
    public async Task Concurrent_transactions_without_etags_all_land_in_fewer_round_trips()
    {
        var ct = TestContext.Current.CancellationToken;
        using var counted = Host.CountingClient();
        var store = new StateStore(counted.Client, new StateStoreLimits());

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => store.TransactAsync(
            [StateChange.Upsert($"user-{i}", new Counter(i)), StateChange.Upsert($"slot-{i}", new Counter(-i))],
            ct)));

        var found = await store.GetManyAsync<Counter>([.. Enumerable.Range(0, 40).SelectMany(i => new[] { $"user-{i}", $"slot-{i}" })], ct);
        Assert.Equal(80, found.Count);
        Assert.All(Enumerable.Range(0, 40), i => Assert.Equal(new Counter(i), found[$"user-{i}"]));
        Assert.InRange(counted.Transactions, 1, 20);
    }

    public sealed record Counter(int Value);
}
