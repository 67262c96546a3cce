using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Suite.Edge.Connections;

namespace Suite.Edge.Limits;

/// <summary>
/// Connections this edge accepted that are not authenticated yet: upgraded, and waiting for their
/// token or for presence and the inbox before <c>auth:ok</c>. At
/// <see cref="ConnectionOptions.MaxPendingAuthentications"/> a new upgrade gets HTTP 429 with
/// Retry-After instead of joining them.
/// </summary>
/// <remarks>
/// The admission rate alone let a reconnect storm in faster than the suite could authenticate it
/// (10,000 clients over two edges on one core: 2,000 admitted a second, ~700 a second made it
/// through): the wait grew past the auth timeout, the clients closed with 4001 retried, and their
/// retries, each taken through the upgrade and half an authentication first, kept the core busy
/// with work that was thrown away (docs/benchmarks.md, "Reconnect storms of 10,000 clients"). A cap
/// on the connections in flight bounds that wait to about the cap over the rate the edge gets
/// through them, whatever that rate is; the clients refused wait at their side, for nothing.
/// </remarks>
public sealed class AuthenticationBacklog(IOptions<ConnectionOptions> options, TimeProvider time)
{
    private readonly int _limit = options.Value.MaxPendingAuthentications;
    private readonly ConcurrentQueue<TaskCompletionSource> _waiters = new();
    private int _count;
    private int _waiting;

    /// <summary>Connections in the backlog now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Upgrades waiting for room now (<see cref="WaitForRoomAsync"/>).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Whether a new upgrade should be refused (never with a limit of 0: no cap).</summary>
    public bool IsFull => _limit > 0 && Volatile.Read(ref _count) >= _limit;

    /// <summary>
    /// Waits up to <paramref name="wait"/> for the backlog to have room; true when it has. An upgrade
    /// that waits here costs the edge nothing but its socket, where one refused comes back as a
    /// retry through the whole upgrade (the clients' own backoff, which is what a refused storm
    /// spent most of its CPU on). Woken one per connection leaving, first come first served; a new
    /// upgrade that finds room does not queue, so the cap is a bound, not a strict count.
    /// </summary>
    public async ValueTask<bool> WaitForRoomAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!IsFull)
        {
            return true;
        }

        Interlocked.Increment(ref _waiting);
        try
        {
            return await WaitAsync(wait, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async ValueTask<bool> WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (IsFull)
        {
            var left = wait - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
            if (!IsFull)
            {
                // Room appeared before this waiter was queued, so no Leave will come for it.
                waiter.TrySetCanceled(CancellationToken.None);
                return true;
            }

            try
            {
                await waiter.Task.WaitAsync(left, time, cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // Given up: a Leave that finds it passes its wake-up on to the next waiter.
                waiter.TrySetCanceled(CancellationToken.None);
                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Counts <paramref name="connection"/> until <see cref="Leave"/>; once per connection.</summary>
    public void Enter(Connection connection)
    {
        if (connection.EnterAuthenticationBacklog())
        {
            Interlocked.Increment(ref _count);
        }
    }

    /// <summary>Stops counting <paramref name="connection"/> (authenticated, refused or gone); any number of times.</summary>
    public void Leave(Connection connection)
    {
        if (connection.LeaveAuthenticationBacklog())
        {
            Interlocked.Decrement(ref _count);
            while (_waiters.TryDequeue(out var waiter) && !waiter.TrySetResult())
            {
            }
        }
    }
}
