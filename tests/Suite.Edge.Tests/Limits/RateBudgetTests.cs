using Suite.Edge.Limits;

namespace Suite.Edge.Tests.Limits;

/// <summary>A connection's per-second budget: it starts over by itself when a frame falls in a new second.</summary>
public sealed class RateBudgetTests
{
    [Fact]
    public void A_new_second_restores_the_budget_and_forgets_the_strikes()
    {
        var budget = new RateBudget(framesPerSecond: 2, bytesPerSecond: 1024);
        Assert.True(budget.TryConsume(10, second: 7));
        Assert.True(budget.TryConsume(10, second: 7));
        Assert.False(budget.TryConsume(10, second: 7));
        Assert.Equal(1, budget.Refused);

        Assert.True(budget.TryConsume(10, second: 8));
        Assert.Equal(0, budget.Refused);
        Assert.True(budget.TryConsume(10, second: 8));
        Assert.False(budget.TryConsume(10, second: 8));
    }

    [Fact]
    public void A_new_second_after_only_bytes_were_spent_restores_the_byte_budget()
    {
        var budget = new RateBudget(framesPerSecond: 10, bytesPerSecond: 100);
        Assert.True(budget.TryConsume(100, second: 1));
        Assert.False(budget.TryConsume(1, second: 1));

        // 100 more bytes in the new second fit; in the old one they did not.
        Assert.True(budget.TryConsume(60, second: 2));
        Assert.True(budget.TryConsume(40, second: 2));
        Assert.False(budget.TryConsume(1, second: 2));
    }

    [Fact]
    public void A_frame_larger_than_the_byte_budget_passes_alone_in_its_second()
    {
        var budget = new RateBudget(framesPerSecond: 10, bytesPerSecond: 100);

        Assert.True(budget.TryConsume(500, second: 3));
        Assert.False(budget.TryConsume(1, second: 3));
        Assert.Equal(1, budget.Refused);
    }
}
