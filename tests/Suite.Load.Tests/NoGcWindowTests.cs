using System.Runtime;
using Suite.Load.Measurement;

namespace Suite.Load.Tests;

// A no-GC region is process-wide: these tests run alone, so no other test's allocations or induced
// collections end the region under them.
[CollectionDefinition(nameof(NoGcWindowTests), DisableParallelization = true)]
public sealed class NoGcWindowCollection;

[Collection(nameof(NoGcWindowTests))]
public sealed class NoGcWindowTests
{
    [Fact]
    public void A_window_that_allocates_within_its_budget_makes_the_generator_collect_nothing()
    {
        var window = NoGcWindow.Start();
        // ~100 MB kept alive: many gen0 budgets' worth, so outside a region this collects.
        var kept = new List<byte[]>();
        for (var i = 0; i < 100_000; i++)
        {
            kept.Add(new byte[1_000]);
        }

        var figures = window.End();
        GC.KeepAlive(kept);

        Assert.True((bool)figures["noGcRegion"]!);
        Assert.True((bool)figures["heldToTheEnd"]!);
        Assert.Equal(0, (int)figures["collections"]!);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void A_region_that_a_failed_window_left_open_is_ended_by_the_next_window()
    {
        _ = NoGcWindow.Start();

        var window = NoGcWindow.Start();
        Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        var figures = window.End();

        Assert.True((bool)figures["heldToTheEnd"]!);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
