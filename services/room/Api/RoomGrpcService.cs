using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.Room.Channels;
using Suite.Room.Fanout;
using Suite.Room.Membership;
using Suite.Room.Messaging;
using Suite.Room.Owners;
using Suite.Room.State;
using Suite.ServiceDefaults.RoomCalls;
using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.Tracing;
using static Suite.Room.Api.RequestValidation;

namespace Suite.Room.Api;

/// <summary>The RoomService contract: argument checks here, then each room call runs on the room's owner replica.</summary>
internal sealed class RoomGrpcService(
    RoomOwners owners,
    RoomMembership rooms,
    RoomMessaging messaging,
    ChannelMembership channels,
    AccessAuthorizer access,
    EdgeIndexes indexes,
    StateErrorInterceptor errors,
    TimeProvider time,
    ILogger<RoomGrpcService> logger,
    IOptions<RoomOptions> options,
    ServiceTracing? tracing = null) : RoomService.RoomServiceBase
{
    private int MaxId => options.Value.MaxIdLength;

    public override Task<JoinResponse> Join(JoinRequest request, ServerCallContext context)
    {
        RequireMember(request.RoomId, "room_id", request.UserId, request.EdgeId, request.ConnectionId);
        return OnOwner(request.RoomId, context, room => rooms.JoinAsync(room, request, context.CancellationToken), (c, o) => c.JoinAsync(request, o));
    }

    public override Task<LeaveResponse> Leave(LeaveRequest request, ServerCallContext context)
    {
        RequireMember(request.RoomId, "room_id", request.UserId, request.EdgeId, request.ConnectionId);
        return LeaveAsync(request, RoomForwarder.IsForwarded(context), context.Deadline, context.CancellationToken);
    }

    public override async Task<ReleaseConnectionResponse> ReleaseConnection(ReleaseConnectionRequest request, ServerCallContext context)
    {
        RequireId(request.UserId, "user_id", MaxId);
        RequireId(request.EdgeId, "edge_id", MaxId);
        RequireId(request.ConnectionId, "connection_id", MaxId);
        foreach (var room in request.RoomIds)
        {
            RequireId(room, "room_ids", MaxId);
        }

        foreach (var channel in request.Channels)
        {
            RequireId(channel, "channels", MaxId);
        }

        var work = request.RoomIds.Distinct(StringComparer.Ordinal).Select(room => (Func<CancellationToken, Task>)(ct =>
                LeaveAsync(new LeaveRequest { RoomId = room, UserId = request.UserId, EdgeId = request.EdgeId, ConnectionId = request.ConnectionId, Reason = RoomLifecycleEvents.ConnectionClosed }, forwarded: false, context.Deadline, ct)))
            .Concat(request.Channels.Distinct(StringComparer.Ordinal).Select(channel => (Func<CancellationToken, Task>)(ct => channels.UnsubscribeAsync(channel, request.ConnectionId, ct))));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = options.Value.ReleaseParallelism, CancellationToken = context.CancellationToken }, (leave, ct) => new ValueTask(leave(ct)));
        return new ReleaseConnectionResponse();
    }

    public override Task<ListMembersResponse> ListMembers(ListMembersRequest request, ServerCallContext context)
    {
        RequireId(request.RoomId, "room_id", MaxId);
        if (request.PageSize < 0)
        {
            throw Invalid("page_size must not be negative");
        }

        if (!PageToken.TryDecode(request.PageToken, options.Value.MemberShards, out var start))
        {
            throw Invalid("page_token is not a token this service returned");
        }

        var o = options.Value;
        var pageSize = request.PageSize <= 0 ? o.DefaultPageSize : Math.Min(request.PageSize, o.MaxPageSize);
        return OnOwner(request.RoomId, context, room => Locked(room, context, () => rooms.ListMembers(room, request, start, pageSize)), (c, o) => c.ListMembersAsync(request, o));
    }

    public override Task<PublishToRoomResponse> PublishToRoom(PublishToRoomRequest request, ServerCallContext context)
    {
        RequireMember(request.RoomId, "room_id", request.UserId, request.EdgeId, request.ConnectionId);
        RequireJson(request.ContentJson, "content_json");
        if (request.IdempotencyKey.Length > MaxId || request.IdempotencyKey.Contains("||", StringComparison.Ordinal))
        {
            throw Invalid($"idempotency_key must be at most {MaxId} characters without '||'");
        }

        return OnOwner(request.RoomId, context, room => messaging.PublishAsync(room, request, context.CancellationToken), (c, o) => c.PublishToRoomAsync(request, o));
    }

    public override Task<GetHistoryResponse> GetHistory(GetHistoryRequest request, ServerCallContext context)
    {
        RequireId(request.RoomId, "room_id", MaxId);
        if (request.Limit < 0)
        {
            throw Invalid("limit must not be negative");
        }

        if (request.RangeCase == GetHistoryRequest.RangeOneofCase.Last && request.Last < 0)
        {
            throw Invalid("last must not be negative");
        }

        return OnOwner(request.RoomId, context, room => Locked(room, context, () => messaging.GetHistory(room, request)), (c, o) => c.GetHistoryAsync(request, o));
    }

    public override async Task<SubscribeResponse> Subscribe(SubscribeRequest request, ServerCallContext context)
    {
        RequireMember(request.Channel, "channel", request.UserId, request.EdgeId, request.ConnectionId);
        access.AuthorizeSubscribe(request.Channel, request.TokenClaims);
        await channels.SubscribeAsync(request.Channel, request.UserId, request.EdgeId, request.ConnectionId, LeaseTag.From(request.EdgeIncarnation, request.LeaseGeneration), context.CancellationToken);
        return new SubscribeResponse();
    }

    public override async Task<UnsubscribeResponse> Unsubscribe(UnsubscribeRequest request, ServerCallContext context)
    {
        RequireId(request.Channel, "channel", MaxId);
        RequireId(request.ConnectionId, "connection_id", MaxId);
        await channels.UnsubscribeAsync(request.Channel, request.ConnectionId, context.CancellationToken);
        return new UnsubscribeResponse();
    }

    public override Task<PublishToChannelResponse> PublishToChannel(PublishToChannelRequest request, ServerCallContext context)
    {
        RequireId(request.Channel, "channel", MaxId);
        RequireJson(request.ContentJson, "content_json");
        if (request.Type.Length > 64)
        {
            throw Invalid("type is longer than 64 characters");
        }

        return channels.PublishAsync(request, context.CancellationToken);
    }

    public override Task<EdgesResponse> GetRoomEdges(GetRoomEdgesRequest request, ServerCallContext context)
    {
        RequireId(request.RoomId, "room_id", MaxId);
        return OnOwner(request.RoomId, context, room => Locked(room, context, () => RoomMembership.Edges(room.EdgeCounts())), (c, o) => c.GetRoomEdgesAsync(request, o));
    }

    public override async Task<EdgesResponse> GetChannelEdges(GetChannelEdgesRequest request, ServerCallContext context)
    {
        RequireId(request.Channel, "channel", MaxId);
        var index = await indexes.ReadAsync(IndexKind.Channel, request.Channel, context.CancellationToken);
        return RoomMembership.Edges(index.Edges);
    }

    public override Task<DropEdgeResponse> DropEdge(DropEdgeRequest request, ServerCallContext context)
    {
        RequireId(request.RoomId, "room_id", MaxId);
        RequireId(request.EdgeId, "edge_id", MaxId);
        var ended = LeaseTag.From(request.EdgeIncarnation, request.LeaseGeneration);
        return OnOwner(request.RoomId, context, room => rooms.DropEdgeAsync(room, request.EdgeId, ended, request.Reason, context.CancellationToken), (c, o) => c.DropEdgeAsync(request, o));
    }

    public override Task Calls(IAsyncStreamReader<RoomCall> requestStream, IServerStreamWriter<RoomCallReply> responseStream, ServerCallContext context) =>
        new RoomCallServer(this, errors, time, logger, tracing).ServeAsync(requestStream, responseStream, context);

    private Task<LeaveResponse> LeaveAsync(LeaveRequest request, bool forwarded, DateTime? deadline, CancellationToken cancellationToken) =>
        owners.OnOwnerAsync(request.RoomId, forwarded, deadline, cancellationToken, room => rooms.LeaveAsync(room, request.UserId, request.ConnectionId, request.Reason, cancellationToken), (c, o) => c.LeaveAsync(request, o));

    private Task<TResponse> OnOwner<TResponse>(string roomId, ServerCallContext context, Func<OwnedRoom, Task<TResponse>> local, Func<RoomService.RoomServiceClient, CallOptions, AsyncUnaryCall<TResponse>> remote) =>
        owners.OnOwnerAsync(roomId, RoomForwarder.IsForwarded(context), context.Deadline, context.CancellationToken, local, remote);

    // Reads take the room's turn too, so they never see a change half applied.
    private static async Task<T> Locked<T>(OwnedRoom room, ServerCallContext context, Func<T> read)
    {
        using (await room.EnterAsync(context.CancellationToken))
        {
            return read();
        }
    }

    private void RequireMember(string target, string targetField, string userId, string edgeId, string connectionId)
    {
        RequireId(target, targetField, MaxId);
        RequireId(userId, "user_id", MaxId);
        RequireId(edgeId, "edge_id", MaxId);
        RequireId(connectionId, "connection_id", MaxId);
    }
}
