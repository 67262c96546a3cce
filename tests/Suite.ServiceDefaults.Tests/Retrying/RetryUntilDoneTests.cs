using Suite.ServiceDefaults.Retrying;

namespace Suite.ServiceDefaults.Tests.Retrying;

public sealed class RetryUntilDoneTests
{
    private static readonly RetryUntilDone Retry = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));

    [Fact]
    public async Task Failures_are_retried_with_doubling_backoff_up_to_the_cap_until_one_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        var waits = new List<TimeSpan>();
        var failures = new List<(int Attempt, TimeSpan Next)>();
        var recoveredAt = 0;
        var calls = 0;

        var result = await Retry.RunAsync(
            () => ++calls < 6 ? throw new InvalidOperationException($"failure {calls}") : Task.FromResult("done"),
            (delay, _) =>
            {
                waits.Add(delay);
                return Task.CompletedTask;
            },
            (_, attempt, next) => failures.Add((attempt, next)),
            attempt => recoveredAt = attempt,
            ct);

        Assert.Equal("done", result);
        Assert.Equal([100, 200, 400, 500, 500], waits.Select(w => w.TotalMilliseconds));
        Assert.Equal([1, 2, 3, 4, 5], failures.Select(f => f.Attempt));
        Assert.Equal(waits, failures.Select(f => f.Next));
        Assert.Equal(6, recoveredAt);
    }

    [Fact]
    public async Task A_first_success_reports_no_recovery_and_a_cancelled_token_ends_the_retries()
    {
        var ct = TestContext.Current.CancellationToken;
        var recovered = false;
        Assert.Equal(1, await Retry.RunAsync(() => Task.FromResult(1), (_, _) => Task.CompletedTask, (_, _, _) => { }, _ => recovered = true, ct));
        Assert.False(recovered);

        using var stop = new CancellationTokenSource();
        var attempts = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Retry.RunAsync<int>(
            () => throw new InvalidOperationException($"down at attempt {++attempts}"),
            (_, _) =>
            {
                // The stop comes during the second backoff: no third attempt.
                if (attempts == 2)
                {
                    stop.Cancel();
                }

                return Task.CompletedTask;
            },
            (_, _, _) => { },
            _ => { },
            stop.Token));
        Assert.Equal(2, attempts);
    }
}
