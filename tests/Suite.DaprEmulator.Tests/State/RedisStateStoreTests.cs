using System.Globalization;
using System.Text;
using StackExchange.Redis;
using Suite.DaprEmulator.State;
using Suite.DaprEmulator.State.Redis;
using Suite.DaprEmulator.Tests.Redis;
using Suite.Testing;

namespace Suite.DaprEmulator.Tests.State;

public sealed class RedisStateStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    [Fact]
    public async Task Saved_state_reads_back_with_an_integer_etag_that_grows_per_write()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");

        await store.SetAsync(Set(key, "one"), ct);
        var first = await store.GetAsync(key, ct);
        await store.SetAsync(Set(key, "two"), ct);
        var second = await store.GetAsync(key, ct);

        Assert.NotNull(first);
        Assert.Equal("one", Text(first));
        Assert.Equal("1", first.ETag);
        Assert.NotNull(second);
        Assert.Equal("two", Text(second));
        Assert.Equal("2", second.ETag);
        Assert.Empty(second.Metadata);
    }

    [Fact]
    public async Task Values_are_stored_as_contribs_hash_layout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");

        await store.SetAsync(Set(key, """{"a":1}"""), ct);

        var hash = (await redis.Database.HashGetAllAsync(key)).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal(new Dictionary<string, string> { ["data"] = """{"a":1}""", ["version"] = "1" }, hash);
    }

    [Fact]
    public async Task A_missing_key_reads_as_null()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();

        Assert.Null(await store.GetAsync(RedisFixture.Unique("app||missing"), ct));
    }

    [Fact]
    public async Task A_legacy_plain_string_key_is_read_without_an_etag()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||legacy");
        await redis.Database.StringSetAsync(key, "old");

        var entry = await store.GetAsync(key, ct);

        Assert.NotNull(entry);
        Assert.Equal("old", Text(entry));
        Assert.Equal("", entry.ETag);
    }

    [Fact]
    public async Task A_stale_etag_is_a_mismatch_for_save_and_delete()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");
        await store.SetAsync(Set(key, "v1"), ct);
        await store.SetAsync(Set(key, "v2", etag: "1"), ct);

        await Assert.ThrowsAsync<StateETagMismatchException>(() => store.SetAsync(Set(key, "v3", etag: "1"), ct));
        await Assert.ThrowsAsync<StateETagMismatchException>(() => store.DeleteAsync(Delete(key, etag: "1"), ct));

        Assert.Equal("v2", Text(await store.GetAsync(key, ct)));
        await store.DeleteAsync(Delete(key, etag: "2"), ct);
        Assert.Null(await store.GetAsync(key, ct));
    }

    [Fact]
    public async Task A_non_numeric_etag_is_invalid_unless_concurrency_is_last_write()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");
        await store.SetAsync(Set(key, "v1"), ct);

        await Assert.ThrowsAsync<StateETagInvalidException>(() => store.SetAsync(Set(key, "v2", etag: "not-a-version"), ct));
        await store.SetAsync(Set(key, "v2", etag: "not-a-version", concurrency: StateConcurrency.LastWrite), ct);

        Assert.Equal("v2", Text(await store.GetAsync(key, ct)));
    }

    [Fact]
    public async Task An_etag_on_a_missing_key_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");

        await store.DeleteAsync(Delete(key, etag: "3"), ct);
        await store.SetAsync(Set(key, "created", etag: "7"), ct);

        var entry = await store.GetAsync(key, ct);
        Assert.NotNull(entry);
        Assert.Equal("1", entry.ETag);
    }

    [Fact]
    public async Task A_first_write_key_refuses_saves_without_the_current_etag()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");

        await store.SetAsync(Set(key, "first", concurrency: StateConcurrency.FirstWrite), ct);
        Assert.Equal("0", (await redis.Database.HashGetAsync(key, "first-write")).ToString());

        // Without an etag daprd reports Internal, not Aborted, so this must not be a mismatch.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(
            () => store.SetAsync(Set(key, "second", concurrency: StateConcurrency.FirstWrite), ct));
        Assert.Contains(key, refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SetAsync(Set(key, "second"), ct));
        await Assert.ThrowsAsync<StateETagMismatchException>(
            () => store.SetAsync(Set(key, "second", etag: "9", concurrency: StateConcurrency.FirstWrite), ct));

        await store.SetAsync(Set(key, "second", etag: "1", concurrency: StateConcurrency.FirstWrite), ct);
        var entry = await store.GetAsync(key, ct);
        Assert.NotNull(entry);
        Assert.Equal(("second", "2"), (Text(entry), entry.ETag));
    }

    [Fact]
    public async Task A_key_with_ttl_expires_and_reports_its_expiry_time()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");

        await store.SetAsync(Set(key, "short-lived", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "1" }), ct);

        var entry = await store.GetAsync(key, ct);
        Assert.NotNull(entry);
        var expires = DateTimeOffset.Parse(entry.Metadata["ttlExpireTime"], CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddSeconds(-2), DateTimeOffset.UtcNow.AddSeconds(3));
        await Eventually.UntilAsync(() => store.GetAsync(key, ct), e => e is null, Bound, ct, "the key expires after 1 s");
    }

    [Fact]
    public async Task Non_positive_ttl_persists_and_the_component_ttl_is_the_default()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync(("ttlInSeconds", "100"));
        var key = RedisFixture.Unique("app||key");

        await store.SetAsync(Set(key, "v1"), ct);
        var defaulted = await redis.Database.KeyTimeToLiveAsync(key);
        await store.SetAsync(Set(key, "v2", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "-1" }), ct);

        Assert.NotNull(defaulted);
        Assert.InRange(defaulted.Value, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(100));
        Assert.Null(await redis.Database.KeyTimeToLiveAsync(key));
    }

    [Fact]
    public async Task A_transaction_applies_every_operation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var (a, b, gone) = (RedisFixture.Unique("app||a"), RedisFixture.Unique("app||b"), RedisFixture.Unique("app||gone"));
        await store.SetAsync(Set(b, "b1"), ct);
        await store.SetAsync(Set(gone, "x"), ct);

        await store.ExecuteTransactionAsync(
            [
                new StateOperation.Upsert(Set(a, "a1")),
                new StateOperation.Upsert(Set(b, "b2", etag: "1")),
                new StateOperation.Delete(Delete(gone, etag: "1")),
            ],
            ct);

        Assert.Equal("a1", Text(await store.GetAsync(a, ct)));
        var bEntry = await store.GetAsync(b, ct);
        Assert.Equal(("b2", "2"), (Text(bEntry), bEntry!.ETag));
        Assert.Null(await store.GetAsync(gone, ct));
    }

    [Fact]
    public async Task A_failing_transaction_is_not_a_mismatch_and_does_not_roll_back()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var (applied, stale) = (RedisFixture.Unique("app||applied"), RedisFixture.Unique("app||stale"));
        await store.SetAsync(Set(stale, "s1"), ct);
        await store.SetAsync(Set(stale, "s2"), ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ExecuteTransactionAsync(
            [
                new StateOperation.Upsert(Set(applied, "yes")),
                new StateOperation.Upsert(Set(stale, "s3", etag: "1")),
            ],
            ct));

        Assert.Contains(stale, error.Message, StringComparison.Ordinal);
        Assert.Equal("yes", Text(await store.GetAsync(applied, ct)));
        Assert.Equal("s2", Text(await store.GetAsync(stale, ct)));
    }

    [Fact]
    public async Task A_refused_operation_does_not_stop_the_ones_after_it_and_its_ttl_still_applies()
    {
        // What the operations did as commands inside MULTI/EXEC: each ran on its own, the EXPIRE
        // queued behind a refused write included.
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var (stale, after, gone) = (RedisFixture.Unique("app||stale"), RedisFixture.Unique("app||after"), RedisFixture.Unique("app||gone"));
        await store.SetAsync(Set(stale, "s1"), ct);
        await store.SetAsync(Set(stale, "s2"), ct);
        await store.SetAsync(Set(gone, "g1"), ct);
        var ttl = new Dictionary<string, string> { ["ttlInSeconds"] = "100" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.ExecuteTransactionAsync(
            [
                new StateOperation.Upsert(Set(stale, "s3", etag: "1", metadata: ttl)),
                new StateOperation.Upsert(Set(after, "a1", metadata: ttl)),
                new StateOperation.Delete(Delete(gone, etag: "1")),
            ],
            ct));

        Assert.Contains(stale, error.Message, StringComparison.Ordinal);
        Assert.Contains(RedisStateScripts.MismatchError, error.Message, StringComparison.Ordinal);
        Assert.Equal("s2", Text(await store.GetAsync(stale, ct)));
        Assert.InRange((await redis.Database.KeyTimeToLiveAsync(stale))!.Value, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(100));
        var written = await store.GetAsync(after, ct);
        Assert.Equal(("a1", "1"), (Text(written), written!.ETag));
        Assert.InRange((await redis.Database.KeyTimeToLiveAsync(after))!.Value, TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(100));
        Assert.Null(await store.GetAsync(gone, ct));
    }

    [Fact]
    public async Task A_transaction_replaces_a_legacy_string_and_persists_on_a_non_positive_ttl()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var (legacy, kept) = (RedisFixture.Unique("app||legacy"), RedisFixture.Unique("app||kept"));
        await redis.Database.StringSetAsync(legacy, "old");
        await store.SetAsync(Set(kept, "k1", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "100" }), ct);

        await store.ExecuteTransactionAsync(
            [
                new StateOperation.Upsert(Set(legacy, "new")),
                new StateOperation.Upsert(Set(kept, "k2", etag: "1", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "-1" })),
            ],
            ct);

        var replaced = await store.GetAsync(legacy, ct);
        Assert.Equal(("new", "1"), (Text(replaced), replaced!.ETag));
        var persisted = await store.GetAsync(kept, ct);
        Assert.Equal(("k2", "2"), (Text(persisted), persisted!.ETag));
        Assert.Null(await redis.Database.KeyTimeToLiveAsync(kept));
    }

    [Fact]
    public async Task A_transaction_with_an_invalid_etag_runs_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await StartAsync();
        var key = RedisFixture.Unique("app||key");

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.ExecuteTransactionAsync(
            [
                new StateOperation.Upsert(Set(key, "v1")),
                new StateOperation.Upsert(Set(RedisFixture.Unique("app||other"), "v1", etag: "abc")),
            ],
            ct));

        Assert.Null(await store.GetAsync(key, ct));
    }

    private async Task<RedisStateStore> StartAsync(params (string, string)[] metadata)
    {
        var store = new RedisStateStore(redis.Component("state.redis", metadata), RedisFixture.Context());
        await store.InitAsync(TestContext.Current.CancellationToken);
        return store;
    }

    private static StateSetRequest Set(
        string key,
        string value,
        string? etag = null,
        StateConcurrency concurrency = StateConcurrency.Unspecified,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        new(key, Encoding.UTF8.GetBytes(value), etag, concurrency, metadata ?? NoMetadata);

    private static StateDeleteRequest Delete(string key, string? etag = null) =>
        new(key, etag, StateConcurrency.Unspecified, NoMetadata);

    private static string? Text(StateEntry? entry) => entry is null ? null : Encoding.UTF8.GetString(entry.Data.Span);
}
