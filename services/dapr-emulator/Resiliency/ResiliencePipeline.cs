namespace Suite.DaprEmulator.Resiliency;

/// <summary>
/// Runs one operation under a target's retry, timeout and circuit-breaker policies. With no policy
/// it is a single attempt, which is daprd's behaviour when no Resiliency resource applies.
/// </summary>
public sealed class ResiliencePipeline(RetryPolicy? retry, TimeoutPolicy? timeout, CircuitBreaker? breaker, TimeProvider time)
{
    public static ResiliencePipeline None { get; } = new(null, null, null, TimeProvider.System);

    /// <summary>
    /// Calls <paramref name="attempt"/> until it returns a result that <paramref name="isFailure"/>
    /// rejects no more, or the retry policy gives up. Returns the last result; rethrows the last
    /// exception when the last attempt threw. Cancellation of <paramref name="cancellationToken"/> is
    /// never retried; an attempt cut off by the timeout policy is a failure like any other.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> attempt,
        Func<T, bool> isFailure,
        CancellationToken cancellationToken)
    {
        for (var retries = 0; ; retries++)
        {
            var (result, error) = await AttemptOnceAsync(attempt, cancellationToken);
            var failed = error is not null || isFailure(result!);
            if (failed)
            {
                breaker?.RecordFailure();
            }
            else
            {
                breaker?.RecordSuccess();
            }

            if (!failed || retry is null || !retry.AllowsRetry(retries))
            {
                if (error is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                }

                return result!;
            }

            await Task.Delay(retry.DelayBeforeRetry(retries + 1), time, cancellationToken);
        }
    }

    private async Task<(T? Result, Exception? Error)> AttemptOnceAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        if (breaker is not null && !breaker.TryEnter())
        {
            return (default, new CircuitBreakerOpenException());
        }

        using var timer = timeout is null ? null : new CancellationTokenSource(timeout.Duration, time);
        using var limit = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return (await attempt(limit?.Token ?? cancellationToken), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return (default, ex);
        }
    }
}
