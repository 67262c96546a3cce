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
public sealed class AuthenticationBacklog(IOptions<ConnectionOptions> options)
{
    private readonly int _limit = options.Value.MaxPendingAuthentications;
    private int _count;

    /// <summary>Connections in the backlog now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether a new upgrade should be refused (never with a limit of 0: no cap).</summary>
    public bool IsFull => _limit > 0 && Volatile.Read(ref _count) >= _limit;

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
        }
    }
}
