using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.Edge.Delivery;

namespace Suite.Edge.Tests.Delivery;

public sealed class RecentMessageIdsTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(2);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void An_id_repeated_within_the_window_is_refused_however_many_ids_came_between()
    {
        var ids = new RecentMessageIds(Window, maxIds: 100_000, _time);

        Assert.True(ids.TryAdd("first"));
        for (var n = 0; n < 20_000; n++)
        {
            Assert.True(ids.TryAdd($"other-{n}"));
        }

        _time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.False(ids.TryAdd("first"));
        Assert.Equal(0, ids.EvictedBeforeExpiry);
    }

    [Fact]
    public void An_id_repeated_once_the_window_passed_is_accepted_again()
    {
        var ids = new RecentMessageIds(Window, maxIds: 1024, _time);
        Assert.True(ids.TryAdd("first"));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(ids.TryAdd("second"));

        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.True(ids.TryAdd("first"));
        Assert.False(ids.TryAdd("second"));
        Assert.Equal(0, ids.EvictedBeforeExpiry);
    }

    [Fact]
    public void A_full_window_forgets_its_oldest_id_early_and_counts_it()
    {
        var ids = new RecentMessageIds(Window, maxIds: 1024, _time);
        for (var n = 0; n < 1024 + 10; n++)
        {
            Assert.True(ids.TryAdd($"id-{n}"));
        }

        Assert.Equal(10, ids.EvictedBeforeExpiry);
        Assert.True(ids.TryAdd("id-0"));
        // id-0 coming back took the place of id-10, the oldest left.
        Assert.Equal(11, ids.EvictedBeforeExpiry);
        Assert.False(ids.TryAdd("id-11"));
    }

    [Fact]
    public void Expired_ids_make_room_without_counting_as_evictions()
    {
        var ids = new RecentMessageIds(Window, maxIds: 1024, _time);
        for (var round = 0; round < 5; round++)
        {
            for (var n = 0; n < 1000; n++)
            {
                Assert.True(ids.TryAdd($"{round}-{n}"));
            }

            _time.Advance(Window);
        }

        Assert.Equal(0, ids.EvictedBeforeExpiry);
    }

    [Fact]
    public void Remembered_ids_do_not_keep_their_strings_alive()
    {
        var ids = new RecentMessageIds(Window, maxIds: 1024, _time);
        var remembered = AddAndForget(ids);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(remembered.IsAlive);
        Assert.False(ids.TryAdd(string.Concat("delivered-", "once")));
    }

    [Fact]
    public void Ids_that_differ_in_one_character_or_only_in_case_are_distinct()
    {
        var ids = new RecentMessageIds(Window, maxIds: 100_000, _time);
        var accepted = 0;
        foreach (var id in new[] { "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAB", "aAAAAAAAAAAAAAAAAAAAAA", "BAAAAAAAAAAAAAAAAAAAAA", "", "A", "AA" })
        {
            accepted += ids.TryAdd(id) ? 1 : 0;
        }

        for (var n = 0; n < 50_000; n++)
        {
            accepted += ids.TryAdd($"m-{n}") ? 1 : 0;
        }

        Assert.Equal(7 + 50_000, accepted);
    }

    // A separate method, so no local of the caller's frame holds the string when it is collected.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference AddAndForget(RecentMessageIds ids)
    {
        var id = string.Concat("delivered-", "once");
        Assert.True(ids.TryAdd(id));
        return new WeakReference(id);
    }

    [Fact]
    public void The_default_window_covers_the_brokers_redelivery_horizon()
    {
        var options = Read([]);

        // components/redis: processingTimeout 60 s + redeliverInterval 15 s; components/nats:
        // ackWait 30 s x (maxDeliver 5 - 1) redeliveries.
        Assert.True(options.DuplicateWindow >= TimeSpan.FromSeconds(75));
        Assert.True(options.DuplicateWindow >= TimeSpan.FromSeconds(120));
    }

    [Theory]
    [InlineData("Delivery:DuplicateWindow", "00:00:00")]
    [InlineData("Delivery:DuplicateWindow", "-00:00:05")]
    [InlineData("Delivery:DuplicateWindow", "02:00:00")]
    [InlineData("Delivery:DuplicateWindowMaxIds", "10")]
    public void Settings_out_of_range_fail_validation(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new() { [key] = value }));
        Assert.Contains(key.Split(':')[1], error.Message, StringComparison.Ordinal);
    }

    // The registration AddDelivery makes, so binding, data annotations and Validate all apply.
    private static DuplicateFilterOptions Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddOptions<DuplicateFilterOptions>().BindConfiguration(DuplicateFilterOptions.Section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<DuplicateFilterOptions>>().Value;
    }
}
