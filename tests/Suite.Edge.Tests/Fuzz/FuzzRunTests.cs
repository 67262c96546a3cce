using Suite.Testing.Fuzzing;

namespace Suite.Edge.Tests.Fuzz;

/// <summary>The fuzz runner's hang guard, which must not cut a long opt-in run (README "Fuzzing").</summary>
public sealed class FuzzRunTests
{
    [Theory]
    [InlineData(10_000_000)]
    [InlineData(1_000_000)]
    public void A_longer_run_gets_as_much_time_per_input_as_the_ci_run(long iterations)
    {
        var ciRun = FuzzRun.RunLimitFor(FuzzRun.DefaultIterations);

        Assert.True(
            FuzzRun.RunLimitFor(iterations) >= ciRun * (iterations / FuzzRun.DefaultIterations),
            $"{iterations:N0} inputs get {FuzzRun.RunLimitFor(iterations)}, where {FuzzRun.DefaultIterations:N0} get {ciRun}");
    }

    [Fact]
    public void A_short_run_keeps_the_ci_runs_limit() =>
        Assert.Equal(FuzzRun.RunLimitFor(FuzzRun.DefaultIterations), FuzzRun.RunLimitFor(1_000));
}
