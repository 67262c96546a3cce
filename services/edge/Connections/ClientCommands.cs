using Suite.ServiceDefaults.Publishing;
using System.Net.WebSockets;
using Dapr;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Edge.V1;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using RoomMessage = Suite.Edge.Protocol.RoomMessage;
using Suite.Edge.Auth;
using Suite.Edge.Protocol;
using Suite.Edge.Protocol.Encodings;
using Suite.Edge.Resume;
using Suite.Edge.Routing;
using Suite.Edge.Upstream;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Tracing;

namespace Suite.Edge.Connections;

/// <summary>
/// What the edge does with each client frame. Frames of one connection are handled one at a
/// time, in order; a bad frame gets an <c>error</c> frame and the connection stays usable.
/// </summary>
public sealed partial class ClientCommands(
    ConnectionLifecycle lifecycle,
    TokenValidator tokens,
    LocalIndex<Connection> index,
    RoomCalls room,
    Direct.DirectRecipients recipients,
    Delivery.DeliveryDispatcher dispatcher,
    Suite.Contracts.Notification.V1.NotificationService.NotificationServiceClient notification,
    EdgeDeliveryPublisher publisher,
    EdgeLeaseService lease,
    RoomHistory history,
    RoomGapFill gaps,
    ServerFrames frames,
    IOptions<ConnectionOptions> connectionOptions,
    IOptions<EdgeOptions> edgeOptions,
    ProtocolLimits limits,
    EdgeMetrics metrics,
    ILogger<ClientCommands> logger,
    ServiceTracing tracing)
{
    public async Task HandleAsync(Connection connection, WebSocketMessageType type, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (!connection.TryConsumeRate(frame.Length))
        {
            if (connection.RateStrikes > connectionOptions.Value.RateLimitStrikes)
            {
                connection.RequestClose(new CloseRequest(CloseCodes.PolicyViolation, "rate limit exceeded repeatedly", Flush: true));
            }
            else
            {
                Error(connection, ErrorCodes.RateLimited, "too many frames; slow down", null);
            }

            return;
        }

        // Each encoding has one kind of WebSocket message (architecture.md): text for JSON, binary for the others.
        var codec = connection.Codec;
        if ((type == WebSocketMessageType.Binary) != codec.BinaryFrames)
        {
            if (codec.BinaryFrames)
            {
                Error(connection, ErrorCodes.TextNotSupported, $"text frames are not part of {codec.Subprotocol}; send binary frames", null);
            }
            else
            {
                Error(connection, ErrorCodes.BinaryNotSupported, "binary frames are not part of the JSON protocol; send text frames", null);
            }

            return;
        }

        var parsed = codec.Encoding == FrameEncoding.Json ? ClientMessageParser.Parse(frame.Span, limits) : codec.Parse(frame, limits);
        if (!parsed.IsSuccess)
        {
            Error(connection, parsed.Error.Code, parsed.Error.Message, parsed.ClientId);
            return;
        }

        var message = parsed.Message;
        metrics.FramesReceived.Add(1, new KeyValuePair<string, object?>("type", message.Type));
        using var span = CommandSpans.Start(tracing, connection, message);
        if (message is AuthMessage auth)
        {
            await AuthenticateAsync(connection, auth, cancellationToken);
            return;
        }

        if (connection.Identity is not { } identity)
        {
            Error(connection, ErrorCodes.NotAuthenticated, $"send {{\"type\":\"auth\",\"token\":...}} before '{message.Type}'", message.Id);
            return;
        }

        try
        {
            await (message switch
            {
                PingMessage ping => Reply(connection, frames.Pong(ping.Id)),
                JoinMessage join => JoinAsync(connection, identity, join, cancellationToken),
                LeaveMessage leave => LeaveAsync(connection, identity, leave, cancellationToken),
                RoomMessage chat => PublishToRoomAsync(connection, identity, chat, cancellationToken),
                DirectMessage direct => DirectAsync(connection, identity, direct, cancellationToken),
                SubscribeMessage subscribe => SubscribeAsync(connection, identity, subscribe, cancellationToken),
                UnsubscribeMessage unsubscribe => UnsubscribeAsync(connection, identity, unsubscribe, cancellationToken),
                HistoryMessage read => HistoryAsync(connection, read, cancellationToken),
                AckMessage ack => AckAsync(connection, identity, ack),
                _ => Reply(connection, frames.Error(ErrorCodes.UnknownType, $"'{message.Type}' is not handled", message.Id)),
            });
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            ConnectionsLog.UpstreamFailed(logger, connection.Id, message.Type, ex.Status.Detail);
            var (code, text) = ex.StatusCode switch
            {
                StatusCode.PermissionDenied => (ErrorCodes.Forbidden, ex.Status.Detail),
                StatusCode.InvalidArgument => (ErrorCodes.InvalidField, ex.Status.Detail),
                _ => (ErrorCodes.UpstreamUnavailable, $"'{message.Type}' could not be completed; try again"),
            };
            Error(connection, code, text, message.Id);
        }
        catch (DaprException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The sidecar (a publish on direct) fails as a DaprException wrapping its RpcException;
            // to the client it is one more upstream that is down, not a reason to lose the connection.
            ConnectionsLog.UpstreamFailed(logger, connection.Id, message.Type, (ex.InnerException as RpcException)?.Status.Detail ?? ex.Message);
            Error(connection, ErrorCodes.UpstreamUnavailable, $"'{message.Type}' could not be completed; try again", message.Id);
        }
    }

    private async Task AuthenticateAsync(Connection connection, AuthMessage auth, CancellationToken cancellationToken)
    {
        var outcome = await tokens.ValidateAsync(auth.Token, cancellationToken);
        if (connection.Identity is { } current)
        {
            // A fresh token keeps the session alive; it must be the same user.
            if (outcome.IsValid && outcome.UserId == current.UserId)
            {
                connection.Authenticate(ConnectionLifecycle.IdentityFrom(outcome));
                connection.Send(frames.AuthOk(current.UserId, connection.Id, connectionOptions.Value.HeartbeatInterval, outcome.ExpiresAt));
            }
            else
            {
                Error(connection, ErrorCodes.Forbidden, outcome.IsValid ? "a fresh token must be for the same user" : outcome.FailureReason!, auth.Id);
            }

            return;
        }

        if (!outcome.IsValid)
        {
            ConnectionsLog.AuthFailed(logger, connection.Id, outcome.FailureReason!);
            connection.Send(frames.AuthFail(outcome.FailureReason!));
            connection.RequestClose(new CloseRequest(CloseCodes.AuthFailed, outcome.FailureReason!, Flush: true));
            return;
        }

        await lifecycle.ActivateAsync(connection, ConnectionLifecycle.IdentityFrom(outcome), cancellationToken);
    }

    private async Task JoinAsync(Connection connection, ClientIdentity identity, JoinMessage join, CancellationToken cancellationToken)
    {
        // A resuming join holds the room's live messages for this connection from before it enters
        // the index until joined and the replay are queued (Resume/ReplayOrder says why).
        var order = join.Since is null ? null : connection.StartReplayOrder();
        order?.Hold(join.RoomId);

        // Index first, so the user:joined this join causes is delivered to the joiner too.
        gaps.Joining(join.RoomId);
        var membership = index.Join(join.RoomId, connection, connectionOptions.Value.MaxRoomsPerConnection);
        switch (membership)
        {
            case MembershipResult.LimitReached:
                order?.Forget(connection, join.RoomId, sendHeld: false);
                Error(connection, ErrorCodes.TooManyRooms, $"a connection may join at most {connectionOptions.Value.MaxRoomsPerConnection} rooms", join.Id);
                return;
            case MembershipResult.NotConnected:
                order?.Forget(connection, join.RoomId, sendHeld: false);
                return;
        }

        // Made for a repeated join too (idempotent in the room), so every joined carries the position.
        JoinResponse joined;
        try
        {
            // Stamped after the index took the room: a lease that lapses meanwhile is either read
            // here already renewed, or its replay finds the room in the index and joins it again.
            joined = await room.JoinAsync(LeaseReplay.JoinRequestFor(connection, identity, join.RoomId, EdgeId, lease.Current), Deadline(), cancellationToken);
        }
        catch
        {
            var wasMember = membership == MembershipResult.AlreadyMember;
            if (!wasMember)
            {
                index.Leave(join.RoomId, connection);
            }

            order?.Forget(connection, join.RoomId, sendHeld: wasMember);
            throw;
        }

        gaps.Joined(join.RoomId, joined, replayed: false);
        var position = new RoomPosition(joined.LastSeq, joined.Epoch);
        if (join.Since is not { } since)
        {
            connection.Send(frames.Joined(join.RoomId, join.Id, position));
            return;
        }

        IReadOnlyList<ReplayedMessage>? missed;
        try
        {
            missed = await history.MissedAsync(join.RoomId, since, joined, cancellationToken);
        }
        catch
        {
            order!.Forget(connection, join.RoomId, sendHeld: true);
            throw;
        }

        if (missed is null)
        {
            // Not recovered: everything live is sent; the client reloads the rest from its backend.
            order!.Release(connection, join.RoomId, frames.Joined(join.RoomId, join.Id, position, ResumeAnswer.NotRecovered), [], shownUpTo: 0, keepFloor: false);
            return;
        }

        var lastReplayed = missed.Count > 0 ? missed[^1].Seq : since.Seq;
        var resumed = position with { Seq = Math.Max(position.Seq, lastReplayed) };
        order!.Release(connection, join.RoomId, frames.Joined(join.RoomId, join.Id, resumed, new ResumeAnswer(true, missed.Count)), missed, shownUpTo: since.Seq, keepFloor: true);
    }

    private async Task HistoryAsync(Connection connection, HistoryMessage read, CancellationToken cancellationToken)
    {
        if (!index.IsInRoom(read.RoomId, connection))
        {
            Error(connection, ErrorCodes.NotAMember, $"join room '{read.RoomId}' before asking for its history", read.Id);
            return;
        }

        var (messages, position) = await history.PageAsync(read.RoomId, read.Limit, read.Before, cancellationToken);
        connection.Send(frames.History(read.RoomId, messages, position, read.Id));
    }

    // Nothing answers the acking connection (the contract has no frame for it); its other devices get
    // `dismissed` from notification. A failure is an error frame like any other upstream's. An ack the
    // edge has read is carried out even when its client leaves meanwhile (bounded by the deadline, not
    // cancelled with the connection): the client is done with those items, and a cancelled ack would
    // show them again on its next connect.
    private async Task AckAsync(Connection connection, ClientIdentity identity, AckMessage ack)
    {
        await notification.AckAsync(
            new Suite.Contracts.Notification.V1.AckRequest { UserId = identity.UserId, Ids = { ack.Ids }, ExceptConnectionId = connection.Id },
            deadline: Deadline(),
            cancellationToken: CancellationToken.None);
    }

    private async Task LeaveAsync(Connection connection, ClientIdentity identity, LeaveMessage leave, CancellationToken cancellationToken)
    {
        if (!index.IsInRoom(leave.RoomId, connection))
        {
            // Leaving is idempotent: the client wanted out and is out.
            connection.Send(frames.Left(leave.RoomId, leave.Id));
            return;
        }

        await room.LeaveAsync(new LeaveRequest { RoomId = leave.RoomId, UserId = identity.UserId, EdgeId = EdgeId, ConnectionId = connection.Id }, Deadline(), cancellationToken);
        index.Leave(leave.RoomId, connection);
        connection.ReplayOrder?.Forget(connection, leave.RoomId, sendHeld: false);
        connection.Send(frames.Left(leave.RoomId, leave.Id));
    }

    private async Task PublishToRoomAsync(Connection connection, ClientIdentity identity, RoomMessage chat, CancellationToken cancellationToken)
    {
        if (!index.IsInRoom(chat.RoomId, connection))
        {
            Error(connection, ErrorCodes.NotAMember, $"join room '{chat.RoomId}' before sending to it", chat.Id);
            return;
        }

        await room.PublishToRoomAsync(
            new PublishToRoomRequest
            {
                RoomId = chat.RoomId,
                UserId = identity.UserId,
                EdgeId = EdgeId,
                ConnectionId = connection.Id,
                ContentJson = Encoding.UTF8.GetString(chat.Content.Span),
                IdempotencyKey = RoomIdempotencyKey.For(identity.UserId, chat.Id, connection.Id, connection.NextSequence()),
            },
            Deadline(),
            cancellationToken);
    }

    // Direct messages need no room: presence says which edges hold the user's devices (or this
    // edge's copy of its answer, see Direct/RecipientCache), and each of those edges gets one
    // delivery through its own topic; this edge's own connections get it here, without the broker.
    private async Task DirectAsync(Connection connection, ClientIdentity identity, DirectMessage direct, CancellationToken cancellationToken)
    {
        var edges = await recipients.EdgesOfAsync(direct.To, Deadline(), cancellationToken);
        var stamp = frames.NewStamp();
        var message = new ServerMessage
        {
            Id = stamp.Id,
            Type = ServerMessageTypes.Direct,
            Timestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(stamp.Timestamp)),
            From = identity.UserId,
            ContentJson = ByteString.CopyFrom(direct.Content.Span),
        };
        List<Task>? publishes = null;
        foreach (var edge in edges.Distinct(StringComparer.Ordinal))
        {
            var delivery = new EdgeDelivery { EdgeId = edge, Users = new UserIds { Ids = { direct.To } }, Message = message };
            if (edge == EdgeId)
            {
                // The same delivery the broker would bring, through the same dispatch (duplicate filter included).
                dispatcher.Dispatch(delivery, urgentTopic: false);
            }
            else
            {
                (publishes ??= []).Add(publisher.PublishAsync(delivery));
            }
        }

        // Every other device's edge at once: the sender waits for the slowest publish, not for their sum.
        if (publishes is not null)
        {
            await Task.WhenAll(publishes).WaitAsync(cancellationToken);
        }
    }

    private async Task SubscribeAsync(Connection connection, ClientIdentity identity, SubscribeMessage subscribe, CancellationToken cancellationToken)
    {
        switch (index.Subscribe(subscribe.Channel, connection, connectionOptions.Value.MaxChannelsPerConnection))
        {
            case MembershipResult.AlreadyMember:
                connection.Send(frames.Subscribed(subscribe.Channel, subscribe.Id));
                return;
            case MembershipResult.LimitReached:
                Error(connection, ErrorCodes.TooManyChannels, $"a connection may subscribe to at most {connectionOptions.Value.MaxChannelsPerConnection} channels", subscribe.Id);
                return;
            case MembershipResult.NotConnected:
                return;
        }

        try
        {
            await room.SubscribeAsync(LeaseReplay.SubscribeRequestFor(connection, identity, subscribe.Channel, EdgeId, lease.Current), Deadline(), cancellationToken);
        }
        catch
        {
            index.Unsubscribe(subscribe.Channel, connection);
            throw;
        }

        connection.Send(frames.Subscribed(subscribe.Channel, subscribe.Id));
    }

    private async Task UnsubscribeAsync(Connection connection, ClientIdentity identity, UnsubscribeMessage unsubscribe, CancellationToken cancellationToken)
    {
        index.Unsubscribe(unsubscribe.Channel, connection);
        await room.UnsubscribeAsync(new UnsubscribeRequest { Channel = unsubscribe.Channel, UserId = identity.UserId, EdgeId = EdgeId, ConnectionId = connection.Id }, Deadline(), cancellationToken);
        connection.Send(frames.Unsubscribed(unsubscribe.Channel, unsubscribe.Id));
    }

    private string EdgeId => edgeOptions.Value.EdgeId;

    private DateTime Deadline() => UpstreamDeadline.After(edgeOptions.Value.UpstreamTimeout);

    private static Task Reply(Connection connection, Delivery.OutboundFrame frame)
    {
        connection.Send(frame);
        return Task.CompletedTask;
    }

    private void Error(Connection connection, string code, string text, string? clientId)
    {
        metrics.ProtocolErrors.Add(1, new KeyValuePair<string, object?>("code", code));
        ConnectionsLog.ProtocolError(logger, connection.Id, connection.Identity?.UserId, code, text);
        connection.Send(frames.Error(code, text, clientId));
    }
}
