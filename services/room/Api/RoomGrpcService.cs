using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Room.V1;
using Suite.Room.Channels;
using Suite.Room.Fanout;
using Suite.Room.Membership;
using Suite.Room.Messaging;
using static Suite.Room.Api.RequestValidation;

namespace Suite.Room.Api;

/// <summary>The RoomService contract: argument checks here, behaviour in the feature classes.</summary>
internal sealed class RoomGrpcService(
    RoomMembership rooms,
    RoomMessaging messaging,
    ChannelMembership channels,
    IOptions<RoomOptions> options) : RoomService.RoomServiceBase
{
    private int MaxId => options.Value.MaxIdLength;

    public override Task<JoinResponse> Join(JoinRequest request, ServerCallContext context)
    {
        RequireMember(request.RoomId, "room_id", request.UserId, request.EdgeId, request.ConnectionId);
        return rooms.JoinAsync(request, context.CancellationToken);
    }

    public override Task<LeaveResponse> Leave(LeaveRequest request, ServerCallContext context)
    {
        RequireMember(request.RoomId, "room_id", request.UserId, request.EdgeId, request.ConnectionId);
        return rooms.LeaveAsync(request.RoomId, request.UserId, request.ConnectionId, context.CancellationToken);
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

        var work = request.RoomIds.Distinct(StringComparer.Ordinal).Select(room => (Func<CancellationToken, Task>)(ct => rooms.LeaveAsync(room, request.UserId, request.ConnectionId, ct)))
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

        return rooms.ListMembersAsync(request, start, context.CancellationToken);
    }

    public override Task<PublishToRoomResponse> PublishToRoom(PublishToRoomRequest request, ServerCallContext context)
    {
        RequireMember(request.RoomId, "room_id", request.UserId, request.EdgeId, request.ConnectionId);
        RequireJson(request.ContentJson, "content_json");
        if (request.IdempotencyKey.Length > MaxId || request.IdempotencyKey.Contains("||", StringComparison.Ordinal))
        {
            throw Invalid($"idempotency_key must be at most {MaxId} characters without '||'");
        }

        return messaging.PublishAsync(request, context.CancellationToken);
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

        return messaging.GetHistoryAsync(request, context.CancellationToken);
    }

    public override async Task<SubscribeResponse> Subscribe(SubscribeRequest request, ServerCallContext context)
    {
        RequireMember(request.Channel, "channel", request.UserId, request.EdgeId, request.ConnectionId);
        await channels.SubscribeAsync(request.Channel, request.UserId, request.EdgeId, request.ConnectionId, context.CancellationToken);
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
        return rooms.GetEdgesAsync(IndexKind.Room, request.RoomId, context.CancellationToken);
    }

    public override Task<EdgesResponse> GetChannelEdges(GetChannelEdgesRequest request, ServerCallContext context)
    {
        RequireId(request.Channel, "channel", MaxId);
        return rooms.GetEdgesAsync(IndexKind.Channel, request.Channel, context.CancellationToken);
    }

    private void RequireMember(string target, string targetField, string userId, string edgeId, string connectionId)
    {
        RequireId(target, targetField, MaxId);
        RequireId(userId, "user_id", MaxId);
        RequireId(edgeId, "edge_id", MaxId);
        RequireId(connectionId, "connection_id", MaxId);
    }
}
