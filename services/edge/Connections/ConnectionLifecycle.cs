using System.Collections.Concurrent;
using System.Collections.Frozen;
using Grpc.Core;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.Edge.Auth;
using Suite.Edge.Inbox;
using Suite.Edge.Limits;
using Suite.Edge.Protocol;
using Suite.Edge.Routing;
using Suite.Edge.Upstream;

namespace Suite.Edge.Connections;

/// <summary>
/// The two moments upstream must hear about: a connection becomes someone (presence learns the
/// user is here, the routing index starts delivering to it, its pending inbox items follow auth:ok), and a connection goes away (both
/// forget it, and room drops its memberships).
/// </summary>
public sealed class ConnectionLifecycle(
    LocalIndex<Connection> index,
    PresenceCalls presence,
    RoomService.RoomServiceClient room,
    ServerFrames frames,
    InboxReplay inbox,
    ConnectionCaps caps,
    AuthenticationBacklog backlog,
    IOptions<EdgeOptions> edgeOptions,
    IOptions<ConnectionOptions> connectionOptions,
    TimeProvider time,
    ILogger<ConnectionLifecycle> logger)
{
    /// <summary>The first wait before a failed presence Connect is tried again; it doubles up to <see cref="MaxConnectRetryDelay"/>.</summary>
    public static readonly TimeSpan FirstConnectRetryDelay = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxConnectRetryDelay = TimeSpan.FromSeconds(30);

    private static readonly IReadOnlySet<string> NoTags = FrozenSet<string>.Empty;

    // Connections presence has not heard of yet (KeepConnecting), and whether the loop repairing them runs.
    private readonly ConcurrentDictionary<Connection, ClientIdentity> _unknownToPresence = new();
    private int _repairing;

    public static ClientIdentity IdentityFrom(TokenValidationOutcome outcome) => new(
        outcome.UserId!,
        outcome.ExpiresAt,
        outcome.Tags.Count == 0 ? NoTags : outcome.Tags.ToHashSet(StringComparer.Ordinal),
        outcome.Region,
        outcome.Platform,
        outcome.ClaimsJson!);

    public static ConnectRequest ConnectRequestFor(Connection connection, ClientIdentity identity, string edgeId) => new()
    {
        UserId = identity.UserId,
        EdgeId = edgeId,
        ConnectionId = connection.Id,
        Attributes = new ConnectionAttributes { Tags = { identity.Tags }, Region = identity.Region ?? "", Platform = identity.Platform ?? "" },
        ConnectedAt = Timestamp.FromDateTimeOffset(connection.ConnectedAt),
    };

    public async Task ActivateAsync(Connection connection, ClientIdentity identity, CancellationToken cancellationToken)
    {
        try
        {
            await AuthenticateAsync(connection, identity, cancellationToken);
        }
        finally
        {
            // auth:ok and the inbox sent, or the connection refused: it waits for nothing more here.
            backlog.Leave(connection);
        }
    }

    private async Task AuthenticateAsync(Connection connection, ClientIdentity identity, CancellationToken cancellationToken)
    {
        // Checked before the connection becomes the user's, so a refused one is never announced to
        // presence and its release (no identity) gives back nothing it did not take.
        if (!caps.TryHoldUser(identity.UserId))
        {
            var max = connectionOptions.Value.MaxConnectionsPerUser;
            ConnectionsLog.UserCapReached(logger, connection.Id, identity.UserId, max);
            connection.Send(frames.Error(ErrorCodes.TooManyConnections, $"this user already has {max} connections to this edge; close one first"));
            connection.RequestClose(new CloseRequest(CloseCodes.TooManyConnections, "too many connections for this user", Flush: true));
            return;
        }

        connection.Authenticate(identity);
        var known = await TryConnectAsync(connection, identity, cancellationToken);

        // Live deliveries wait from here until the pending inbox items follow auth:ok (Inbox/LiveHold).
        connection.StartLiveHold();
        index.AddConnection(identity.UserId, connection);
        connection.TransitionTo(ConnectionState.Active);
        ConnectionsLog.StateChanged(logger, connection.Id, ConnectionState.Active);
        connection.Send(frames.AuthOk(identity.UserId, connection.Id, connectionOptions.Value.HeartbeatInterval, identity.TokenExpiresAt));
        if (!known)
        {
            KeepConnecting(connection, identity);
        }

        // Awaited, so the client's next frames are handled after its inbox is sent (within the upstream timeout).
        await inbox.SendAsync(connection, identity.UserId, cancellationToken);
    }

    private async Task<bool> TryConnectAsync(Connection connection, ClientIdentity identity, CancellationToken cancellationToken)
    {
        var edge = edgeOptions.Value;
        try
        {
            await presence.ConnectAsync(
                ConnectRequestFor(connection, identity, edge.EdgeId),
                UpstreamDeadline.After(edge.UpstreamTimeout),
                cancellationToken);
            return true;
        }
        catch (RpcException ex)
        {
            ConnectionsLog.UpstreamFailed(logger, connection.Id, "presence.Connect", ex.Status.Detail);
            return false;
        }
    }

    /// <summary>
    /// A connection presence did not hear of gets its local deliveries, but no direct message or
    /// user-targeted event finds it, and a healthy lease never replays it: so its Connect is tried
    /// again in the background, backing off, for as long as the connection lives. One that closed
    /// meanwhile (its Disconnect may have gone first) is disconnected again once presence has it.
    /// </summary>
    /// <remarks>
    /// One loop does this for the whole edge (<see cref="RepairAsync"/>), not one per connection: a
    /// retry loop per connection kept its state machine and a timer alive (~400 B) for every
    /// connection while presence was down, and all of them called a presence that was down.
    /// </remarks>
    private void KeepConnecting(Connection connection, ClientIdentity identity)
    {
        _unknownToPresence[connection] = identity;
        if (Interlocked.CompareExchange(ref _repairing, 1, 0) == 0)
        {
            _ = RepairAsync();
        }
    }

    // Each round waits, then tells presence of every connection it missed, in turn; the first
    // failure ends the round (presence is still down: one call per round probes it) and doubles the
    // wait. The loop ends once no connection is left to repair.
    private async Task RepairAsync()
    {
        var delay = FirstConnectRetryDelay;
        while (true)
        {
            await Task.Delay(delay, time);
            var failed = false;
            foreach (var (connection, identity) in _unknownToPresence)
            {
                if (!Alive(connection))
                {
                    _unknownToPresence.TryRemove(connection, out _);
                    continue;
                }

                if (!await TryConnectAsync(connection, identity, CancellationToken.None))
                {
                    failed = true;
                    break;
                }

                _unknownToPresence.TryRemove(connection, out _);
                ConnectionsLog.PresenceConnectRepaired(logger, connection.Id);
                if (!Alive(connection))
                {
                    await DisconnectAsync(connection, identity);
                }
            }

            delay = failed ? TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxConnectRetryDelay.Ticks)) : FirstConnectRetryDelay;
            if (_unknownToPresence.IsEmpty)
            {
                Volatile.Write(ref _repairing, 0);
                // A connection added after the check and before the flag was cleared started no loop.
                if (_unknownToPresence.IsEmpty || Interlocked.CompareExchange(ref _repairing, 1, 0) != 0)
                {
                    return;
                }
            }
        }
    }

    private bool Alive(Connection connection) =>
        (connection.State is ConnectionState.Active or ConnectionState.Idle) && index.IsConnected(connection);

    public async Task ReleaseAsync(Connection connection)
    {
        if (connection.Identity is not { } identity)
        {
            return;
        }

        caps.ReleaseUser(identity.UserId);

        // Presence never heard of it and now need not: the repair loop forgets it at once rather
        // than holding the closed connection until its next round.
        _unknownToPresence.TryRemove(connection, out _);

        var left = index.RemoveConnection(connection);
        if (left is null)
        {
            return;
        }

        // Two independent steps, each with its own try: presence being down must not leave the
        // connection in room's member records (its messages would keep fanning out to this edge).
        await DisconnectAsync(connection, identity);
        var edge = edgeOptions.Value;
        if (left.Rooms.Count + left.Channels.Count == 0)
        {
            return;
        }

        try
        {
            await room.ReleaseConnectionAsync(
                new ReleaseConnectionRequest { UserId = identity.UserId, EdgeId = edge.EdgeId, ConnectionId = connection.Id, RoomIds = { left.Rooms }, Channels = { left.Channels } },
                deadline: UpstreamDeadline.After(edge.UpstreamTimeout));
        }
        catch (RpcException ex)
        {
            ConnectionsLog.UpstreamFailed(logger, connection.Id, "room.ReleaseConnection", ex.Status.Detail);
        }
    }

    private async Task DisconnectAsync(Connection connection, ClientIdentity identity)
    {
        var edge = edgeOptions.Value;
        try
        {
            await presence.DisconnectAsync(
                new DisconnectRequest { UserId = identity.UserId, EdgeId = edge.EdgeId, ConnectionId = connection.Id, Reason = connection.Close?.Reason ?? "" },
                UpstreamDeadline.After(edge.UpstreamTimeout),
                CancellationToken.None);
        }
        catch (RpcException ex)
        {
            // Presence expires what a lost Disconnect leaves behind with the edge's lease.
            ConnectionsLog.UpstreamFailed(logger, connection.Id, "presence.Disconnect", ex.Status.Detail);
        }
    }
}
