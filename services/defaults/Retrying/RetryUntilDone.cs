namespace Suite.ServiceDefaults.Retrying;

/// <summary>
/// Tries an operation until it succeeds, waiting between failures with exponential backoff from
/// <see cref="First"/> up to <see cref="Max"/>. For work that must not be given up while the process
/// lives (events already committed, waiting in an outbox or a queue); only the caller's token ends it.
/// The wait is the caller's, so one can end a backoff early (a change that proves the store is back)
/// or run it on a test's clock.
/// </summary>
public sealed record RetryUntilDone(TimeSpan First, TimeSpan Max)
{
    /// <summary>Called after a failed attempt with the exception, the attempt's number (from 1) and the backoff that follows.</summary>
    public delegate void Failed(Exception exception, int attempt, TimeSpan nextDelay);

    /// <summary>Runs <paramref name="attempt"/> until it returns; <paramref name="recovered"/> gets the number of the attempt that did, when it was not the first.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<T> RunAsync<T>(
        Func<Task<T>> attempt, Func<TimeSpan, CancellationToken, Task> wait, Failed failed, Action<int> recovered, CancellationToken cancellationToken)
    {
        var delay = First;
        for (var number = 1; ; number++)
        {
            try
            {
                var result = await attempt();
                if (number > 1)
                {
                    recovered(number);
                }

                return result;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failed(ex, number, delay);
            }

            await wait(delay, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Max.Ticks));
        }
    }
}
