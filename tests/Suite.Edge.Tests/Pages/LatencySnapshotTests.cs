using Suite.Edge.Pages;

namespace Suite.Edge.Tests.Pages;

public sealed class LatencySnapshotTests
{
    private static readonly double[] Bounds = [0.001, 0.01, 0.1];

    [Fact]
    public void Quantile_is_the_upper_bound_of_the_bucket_that_holds_it()
    {
        // 50 samples at or under 1 ms, 45 under 10 ms, 5 under 100 ms.
        var snapshot = new LatencySnapshot(100, 0.5, Bounds, [50, 45, 5, 0]);

        Assert.Equal(0.001, snapshot.Quantile(0.5));
        Assert.Equal(0.01, snapshot.Quantile(0.95));
        Assert.Equal(0.1, snapshot.Quantile(0.99));
    }

    [Fact]
    public void Quantile_is_null_without_samples_and_infinite_past_the_last_bound()
    {
        Assert.Null(new LatencySnapshot(0, 0, Bounds, [0, 0, 0, 0]).Quantile(0.5));
        Assert.Equal(double.PositiveInfinity, new LatencySnapshot(2, 40, Bounds, [0, 0, 0, 2]).Quantile(0.5));
    }
}
