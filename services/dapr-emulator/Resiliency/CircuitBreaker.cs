namespace Suite.DaprEmulator.Resiliency;

/// <summary>
/// Stops calling a target that keeps failing, so a dead app or broker is not hammered. Closed until
/// more than N consecutive failures, then open for <c>timeout</c>, then half-open for up to
/// <c>maxRequests</c> trial calls; a trial success closes it, a trial failure opens it again.
/// </summary>
public sealed class CircuitBreaker(CircuitBreakerPolicy policy, TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _consecutiveFailures;
    private int _halfOpenCalls;
    private DateTimeOffset? _openUntil;
    private DateTimeOffset _countsResetAt = time.GetUtcNow() + policy.Interval;

    public bool TryEnter()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_openUntil is null)
            {
                if (policy.Interval > TimeSpan.Zero && now >= _countsResetAt)
                {
                    _consecutiveFailures = 0;
                    _countsResetAt = now + policy.Interval;
                }

                return true;
            }

            if (now < _openUntil)
            {
                return false;
            }

            return ++_halfOpenCalls <= Math.Max(1, policy.MaxRequests);
        }
    }

    public void RecordSuccess()
    {
        lock (_lock)
        {
            _consecutiveFailures = 0;
            _halfOpenCalls = 0;
            _openUntil = null;
        }
    }

    public void RecordFailure()
    {
        lock (_lock)
        {
            _consecutiveFailures++;
            if (_openUntil is not null || _consecutiveFailures > policy.TripAfterConsecutiveFailures)
            {
                _openUntil = time.GetUtcNow() + policy.Timeout;
                _halfOpenCalls = 0;
            }
        }
    }
}
