using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.State;
using Suite.DaprEmulator.State.InMemory;

namespace Suite.DaprEmulator.Tests.State;

/// <summary>
/// state.in-memory keeps each item's ETag as a UUID and its expiry as ticks (not as the strings it
/// reads them back as): what a caller sees must be contrib's, the ETag string compared as sent.
/// </summary>
public sealed class InMemoryStateStoreTests
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    [Fact]
    public async Task An_etag_is_a_new_uuid_per_write_and_matches_only_as_it_was_read()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Start(TimeProvider.System);

        await store.SetAsync(Set("app||key", "one"), ct);
        var first = (await store.GetAsync("app||key", ct))!.ETag;
        await store.SetAsync(Set("app||key", "two", first), ct);
        var second = (await store.GetAsync("app||key", ct))!.ETag;

        Assert.True(Guid.TryParseExact(first, "D", out _), first);
        Assert.Equal(first.ToLowerInvariant(), first);
        Assert.NotEqual(first, second);
        Assert.Equal(second, (await store.GetAsync("app||key", ct))!.ETag);
        foreach (var other in new[] { first, second.ToUpperInvariant(), "{" + second + "}", second.Replace("-", "", StringComparison.Ordinal), second[..^1] })
        {
            await Assert.ThrowsAsync<StateETagMismatchException>(() => store.SetAsync(Set("app||key", "three", other), ct));
            await Assert.ThrowsAsync<StateETagMismatchException>(() => store.DeleteAsync(new StateDeleteRequest("app||key", other, StateConcurrency.Unspecified, NoMetadata), ct));
        }

        await store.ExecuteTransactionAsync([new StateOperation.Upsert(Set("app||key", "three", second))], ct);
        Assert.Equal("three", Encoding.UTF8.GetString((await store.GetAsync("app||key", ct))!.Data.Span));
    }

    [Fact]
    public async Task A_ttl_reads_back_as_its_expiry_time_and_the_item_is_gone_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 18, 0, 0, TimeSpan.Zero));
        var store = Start(time);

        await store.SetAsync(Set("app||lease", "x", metadata: new Dictionary<string, string> { [StateTtl.MetadataKey] = "90" }), ct);
        await store.SetAsync(Set("app||forever", "y"), ct);

        var lease = await store.GetAsync("app||lease", ct);
        Assert.Equal("2026-12-06T18:01:30Z", lease!.Metadata["ttlExpireTime"]);
        Assert.Empty((await store.GetAsync("app||forever", ct))!.Metadata);

        time.Advance(TimeSpan.FromSeconds(89));
        Assert.NotNull(await store.GetAsync("app||lease", ct));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.GetAsync("app||lease", ct));
        Assert.NotNull(await store.GetAsync("app||forever", ct));
    }

    [Fact]
    public async Task Keys_that_differ_only_outside_ascii_are_kept_apart()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Start(TimeProvider.System);
        string[] keys = ["app||e", "app||é", "app||\u00ff", "app||\uD800", "app||\uDFFF", "app||\uD83D\uDE00", "app||E"];

        for (var i = 0; i < keys.Length; i++)
        {
            await store.SetAsync(Set(keys[i], i.ToString(CultureInfo.InvariantCulture)), ct);
        }

        // Each key reads back its own value: no two of them share a place (two lone surrogates would, as UTF-8).
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), Encoding.UTF8.GetString((await store.GetAsync(keys[i], ct))!.Data.Span));
        }

        await store.DeleteAsync(new StateDeleteRequest("app||é", null, StateConcurrency.Unspecified, NoMetadata), ct);
        Assert.Null(await store.GetAsync("app||é", ct));
        Assert.NotNull(await store.GetAsync("app||e", ct));
        Assert.NotNull(await store.GetAsync("app||\u00ff", ct));
    }

    private static InMemoryStateStore Start(TimeProvider time) =>
        new(
            new ComponentDefinition("statestore", "state.in-memory", "v1", new ComponentMetadata(new Dictionary<string, string>(), "statestore.yaml"), [], "statestore.yaml"),
            new ComponentContext("app", NullLoggerFactory.Instance, time));

    private static StateSetRequest Set(string key, string value, string? etag = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        new(key, Encoding.UTF8.GetBytes(value), etag, StateConcurrency.Unspecified, metadata ?? NoMetadata);
}
