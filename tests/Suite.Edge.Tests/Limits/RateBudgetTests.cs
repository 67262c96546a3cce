using Suite.Edge.Limits;

namespace Suite.Edge.Tests.Limits;

/// <summary>A connection's per-second budget, refilled by the sweep; a refill of an untouched budget writes nothing.</summary>
public sealed class RateBudgetTests
{
    [Fact]
    public void Refill_after_a_refused_frame_restores_the_budget_and_forgets_the_strikes()
    {
        var budget = new RateBudget(framesPerSecond: 2, bytesPerSecond: 1024);
        Assert.True(budget.TryConsume(10));
        Assert.True(budget.TryConsume(10));
        Assert.False(budget.TryConsume(10));
        Assert.Equal(1, budget.Refused);

        budget.Refill();

        Assert.Equal(0, budget.Refused);
        Assert.True(budget.TryConsume(10));
        Assert.True(budget.TryConsume(10));
        Assert.False(budget.TryConsume(10));
    }

    [Fact]
    public void Refill_after_only_bytes_were_spent_restores_the_byte_budget()
    {
        var budget = new RateBudget(framesPerSecond: 10, bytesPerSecond: 100);
        Assert.True(budget.TryConsume(100));

        budget.Refill();

        // 100 more bytes in the new second fit; without the refill they would not.
        Assert.True(budget.TryConsume(60));
        Assert.True(budget.TryConsume(40));
        Assert.False(budget.TryConsume(1));
    }

    [Fact]
    public void Refill_of_an_untouched_budget_leaves_it_whole()
    {
        var budget = new RateBudget(framesPerSecond: 1, bytesPerSecond: 100);

        budget.Refill();

        Assert.Equal(0, budget.Refused);
        Assert.True(budget.TryConsume(100));
        Assert.False(budget.TryConsume(1));
    }
}
