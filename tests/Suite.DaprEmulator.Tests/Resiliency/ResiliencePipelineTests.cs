using Microsoft.Extensions.Time.Testing;
using Suite.DaprEmulator.Resiliency;

namespace Suite.DaprEmulator.Tests.Resiliency;

public sealed class ResiliencePipelineTests
{
    [Fact]
    public async Task Failing_result_is_retried_until_the_policy_gives_up()
    {
        var pipeline = new ResiliencePipeline(new RetryPolicy("r", RetryBackoff.Constant, TimeSpan.Zero, TimeSpan.Zero, MaxRetries: 2), null, null, TimeProvider.System);
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ => Task.FromResult(++attempts), _ => true, TestContext.Current.CancellationToken);

        Assert.Equal(3, result);
    }

    [Fact]
    public async Task Success_stops_retrying()
    {
        var pipeline = new ResiliencePipeline(new RetryPolicy("r", RetryBackoff.Constant, TimeSpan.Zero, TimeSpan.Zero, MaxRetries: -1), null, null, TimeProvider.System);
        var attempts = 0;

        var result = await pipeline.ExecuteAsync(_ => Task.FromResult(++attempts), n => n < 4, TestContext.Current.CancellationToken);

        Assert.Equal(4, result);
    }

    [Fact]
    public void Exponential_backoff_grows_and_is_capped_by_max_interval()
    {
        var policy = new RetryPolicy("r", RetryBackoff.Exponential, TimeSpan.Zero, TimeSpan.FromSeconds(1), MaxRetries: -1);

        Assert.Equal(TimeSpan.FromMilliseconds(500), policy.DelayBeforeRetry(1));
        Assert.Equal(TimeSpan.FromMilliseconds(750), policy.DelayBeforeRetry(2));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.DelayBeforeRetry(5));
    }

    [Fact]
    public void Circuit_opens_after_consecutive_failures_and_half_opens_after_its_timeout()
    {
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(new CircuitBreakerPolicy("cb", MaxRequests: 1, Interval: TimeSpan.Zero, Timeout: TimeSpan.FromSeconds(30), TripAfterConsecutiveFailures: 2), time);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(breaker.TryEnter());
            breaker.RecordFailure();
        }

        Assert.False(breaker.TryEnter());
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(breaker.TryEnter());
        Assert.False(breaker.TryEnter());
        breaker.RecordSuccess();
        Assert.True(breaker.TryEnter());
    }

    [Fact]
    public async Task Open_circuit_fails_without_calling_the_target()
    {
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(new CircuitBreakerPolicy("cb", 1, TimeSpan.Zero, TimeSpan.FromSeconds(30), TripAfterConsecutiveFailures: 0), time);
        var pipeline = new ResiliencePipeline(null, null, breaker, time);
        var calls = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ExecuteAsync<int>(_ => { calls++; throw new InvalidOperationException(); }, _ => false, TestContext.Current.CancellationToken));

        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => pipeline.ExecuteAsync(_ => Task.FromResult(++calls), _ => false, TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
    }
}
