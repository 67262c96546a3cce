namespace Suite.DaprEmulator.Resiliency;

public enum RetryBackoff
{
    Constant,
    Exponential,
}

/// <summary>A <c>spec.policies.retries</c> entry. <see cref="MaxRetries"/> of -1 retries forever, as in Dapr.</summary>
public sealed record RetryPolicy(string Name, RetryBackoff Backoff, TimeSpan Duration, TimeSpan MaxInterval, int MaxRetries)
{
    // Dapr's exponential policy uses cenkalti/backoff defaults: 500 ms initial interval, x1.5.
    private static readonly TimeSpan ExponentialInitialInterval = TimeSpan.FromMilliseconds(500);
    private const double ExponentialMultiplier = 1.5;

    public bool AllowsRetry(int retriesSoFar) => MaxRetries < 0 || retriesSoFar < MaxRetries;

    public TimeSpan DelayBeforeRetry(int retryNumber)
    {
        if (Backoff == RetryBackoff.Constant)
        {
            return Duration;
        }

        var delay = ExponentialInitialInterval * Math.Pow(ExponentialMultiplier, retryNumber - 1);
        return delay < MaxInterval ? delay : MaxInterval;
    }
}
