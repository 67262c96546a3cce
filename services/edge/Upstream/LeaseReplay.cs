using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.Edge.Connections;
using Suite.Edge.Resume;
using Suite.Edge.Routing;

namespace Suite.Edge.Upstream;

/// <summary>
/// Tells presence, and after a lapsed lease room too, again about every connection this edge still
/// holds: its user (presence Connect) and every room it joined and channel it subscribed to here
/// (room Join / Subscribe, stamped with the new lease). Every call is idempotent per connection id,
/// and nothing is sent to the clients, who asked for nothing.
/// </summary>
/// <remarks>
/// Connections are replayed a bounded number at a time (<see cref="EdgeOptions.ReplayParallelism"/>),
/// each one's calls in order, so a replay of thousands of connections neither floods presence and
/// room nor starves the clients' own calls. A call that fails is counted and logged and the replay
/// goes on with the next; the connection's client can join again itself.
/// </remarks>
public sealed partial class LeaseReplay(
    PresenceService.PresenceServiceClient presence,
    RoomService.RoomServiceClient room,
    ConnectionRegistry connections,
    LocalIndex<Connection> index,
    RoomGapFill gaps,
    IOptions<EdgeOptions> options,
    EdgeMetrics metrics,
    ILogger<LeaseReplay> logger)
{
    public async Task ReplayAsync(LeaseStamp lease, bool memberships, CancellationToken cancellationToken)
    {
        var edge = options.Value;
        var counts = new Counts();
        await Parallel.ForEachAsync(
            connections.All.ToArray(),
            new ParallelOptions { MaxDegreeOfParallelism = edge.ReplayParallelism, CancellationToken = cancellationToken },
            (connection, ct) => new ValueTask(ReplayConnectionAsync(connection, lease, memberships, counts, ct)));
        LogReplayed(logger, edge.EdgeId, lease.Generation, counts.Connections, counts.Joins, counts.Subscriptions, counts.Failed);
    }

    private async Task ReplayConnectionAsync(Connection connection, LeaseStamp lease, bool memberships, Counts counts, CancellationToken cancellationToken)
    {
        if (connection.Identity is not { } identity || connection.State is not (ConnectionState.Active or ConnectionState.Idle))
        {
            return;
        }

        var edgeId = options.Value.EdgeId;
        if (await CallAsync("presence", connection, counts, () => presence.ConnectAsync(ConnectionLifecycle.ConnectRequestFor(connection, identity, edgeId), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, cancellationToken))
        {
            Interlocked.Increment(ref counts.Connections);
        }

        if (!memberships)
        {
            return;
        }

        foreach (var roomId in index.RoomsOf(connection))
        {
            JoinResponse? answer = null;
            var joined = await CallAsync("room", connection, counts, async () => answer = await room.JoinAsync(JoinRequestFor(connection, identity, roomId, edgeId, lease), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
            if (joined)
            {
                Interlocked.Increment(ref counts.Joins);

                // After a lapse, what the room sent while it held this edge's members dropped (Resume/RoomGapFill).
                gaps.Joined(roomId, answer!, replayed: true);

                // The client may have left (or closed) while the replay joined for it: take it out again.
                if (!index.IsInRoom(roomId, connection))
                {
                    await CallAsync("room", connection, counts, () => room.LeaveAsync(new LeaveRequest { RoomId = roomId, UserId = identity.UserId, EdgeId = edgeId, ConnectionId = connection.Id }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
                }
            }
        }

        foreach (var channel in index.ChannelsOf(connection))
        {
            var subscribed = await CallAsync("channel", connection, counts, () => room.SubscribeAsync(SubscribeRequestFor(connection, identity, channel, edgeId, lease), deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
            if (subscribed)
            {
                Interlocked.Increment(ref counts.Subscriptions);
                if (!index.IsSubscribed(channel, connection))
                {
                    await CallAsync("channel", connection, counts, () => room.UnsubscribeAsync(new UnsubscribeRequest { Channel = channel, UserId = identity.UserId, EdgeId = edgeId, ConnectionId = connection.Id }, deadline: Deadline(), cancellationToken: cancellationToken).ResponseAsync, cancellationToken);
                }
            }
        }
    }

    public static JoinRequest JoinRequestFor(Connection connection, ClientIdentity identity, string roomId, string edgeId, LeaseStamp lease) => new()
    {
        RoomId = roomId,
        UserId = identity.UserId,
        EdgeId = edgeId,
        ConnectionId = connection.Id,
        TokenClaims = ClaimsStruct.Parse(identity.ClaimsJson),
        EdgeIncarnation = lease.Incarnation,
        LeaseGeneration = lease.Generation,
    };

    public static SubscribeRequest SubscribeRequestFor(Connection connection, ClientIdentity identity, string channel, string edgeId, LeaseStamp lease) => new()
    {
        Channel = channel,
        UserId = identity.UserId,
        EdgeId = edgeId,
        ConnectionId = connection.Id,
        TokenClaims = ClaimsStruct.Parse(identity.ClaimsJson),
        EdgeIncarnation = lease.Incarnation,
        LeaseGeneration = lease.Generation,
    };

    private async Task<bool> CallAsync<T>(string kind, Connection connection, Counts counts, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            await call();
            metrics.LeaseReplayed.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", "ok"));
            return true;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref counts.Failed);
            metrics.LeaseReplayed.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", "failed"));
            LogCallFailed(logger, connection.Id, kind, ex.StatusCode, ex.Status.Detail);
            return false;
        }
    }

    private DateTime Deadline() => UpstreamDeadline.After(options.Value.UpstreamTimeout);

    [LoggerMessage(1, LogLevel.Information, "edge {EdgeId} replayed lease generation {Generation}: {Connections} connections to presence, {Joins} room joins, {Subscriptions} channel subscriptions, {Failed} calls failed")]
    private static partial void LogReplayed(ILogger logger, string edgeId, ulong generation, int connections, int joins, int subscriptions, int failed);

    [LoggerMessage(2, LogLevel.Warning, "replay of connection {ConnectionId} to {Kind} failed: {Status} {Reason}")]
    private static partial void LogCallFailed(ILogger logger, string connectionId, string kind, StatusCode status, string reason);

    private sealed class Counts
    {
        public int Connections;
        public int Joins;
        public int Subscriptions;
        public int Failed;
    }
}
