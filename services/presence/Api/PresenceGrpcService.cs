using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.Presence.Edges;
using Suite.Presence.Users;
using Suite.ServiceDefaults.PresenceCalls;
using Suite.ServiceDefaults.State;
using Suite.ServiceDefaults.Tracing;

namespace Suite.Presence.Api;

/// <summary>The gRPC face of presence: argument checks and contract mapping; the work is in Users and Edges.</summary>
public sealed class PresenceGrpcService(
    UserPresence users,
    EdgeLeases leases,
    IOptions<PresenceOptions> options,
    StateErrorInterceptor errors,
    TimeProvider time,
    ILogger<PresenceGrpcService> logger,
    PresenceWatches watches,
    ServiceTracing? tracing = null) : PresenceService.PresenceServiceBase
{
    public override async Task<ConnectResponse> Connect(ConnectRequest request, ServerCallContext context)
    {
        Validate.Id(request.UserId, "user_id");
        Validate.Id(request.EdgeId, "edge_id");
        Validate.Id(request.ConnectionId, "connection_id");
        return new ConnectResponse { UserCameOnline = await users.ConnectAsync(request, context.CancellationToken) };
    }

    public override async Task<DisconnectResponse> Disconnect(DisconnectRequest request, ServerCallContext context)
    {
        Validate.Id(request.UserId, "user_id");
        Validate.Id(request.EdgeId, "edge_id");
        Validate.Id(request.ConnectionId, "connection_id");
        return new DisconnectResponse { UserWentOffline = await users.DisconnectAsync(request, context.CancellationToken) };
    }

    public override Task<LookupUsersResponse> LookupUsers(LookupUsersRequest request, ServerCallContext context)
    {
        var max = options.Value.MaxLookupUsers;
        if (request.UserIds.Count > max)
        {
            throw Validate.Invalid($"user_ids holds {request.UserIds.Count} ids; at most {max} per call");
        }

        foreach (var userId in request.UserIds)
        {
            Validate.Id(userId, "user_ids");
        }

        return request.UserIds.Count == 0
            ? Task.FromResult(new LookupUsersResponse())
            : users.LookupAsync(request.UserIds, context.CancellationToken);
    }

    public override Task<GetUserPresenceResponse> GetUserPresence(GetUserPresenceRequest request, ServerCallContext context)
    {
        Validate.Id(request.UserId, "user_id");
        return users.GetAsync(request.UserId, context.CancellationToken);
    }

    public override Task<EdgeLease> RegisterEdge(RegisterEdgeRequest request, ServerCallContext context)
    {
        Validate.Id(request.EdgeId, "edge_id");
        Validate.Id(request.Incarnation, "incarnation");
        if (request.LeaseDuration is { } duration && (duration.Seconds < 0 || duration.Nanos < 0))
        {
            throw Validate.Invalid("lease_duration must not be negative");
        }

        return leases.RegisterAsync(request, context.CancellationToken);
    }

    public override Task<EdgeLease> RenewEdgeLease(RenewEdgeLeaseRequest request, ServerCallContext context)
    {
        Validate.Id(request.EdgeId, "edge_id");
        Validate.Id(request.Incarnation, "incarnation");
        return leases.RenewAsync(request, context.CancellationToken);
    }

    public override async Task<DeregisterEdgeResponse> DeregisterEdge(DeregisterEdgeRequest request, ServerCallContext context)
    {
        Validate.Id(request.EdgeId, "edge_id");
        Validate.Id(request.Incarnation, "incarnation");
        return new DeregisterEdgeResponse { ConnectionsRemoved = await leases.DeregisterAsync(request, context.CancellationToken) };
    }

    public override async Task<ListEdgesResponse> ListEdges(ListEdgesRequest request, ServerCallContext context) =>
        new() { Edges = { await leases.ListAsync(context.CancellationToken) } };

    // Each call is served as the unary RPC of the same name, through the same error mapping.
    public override Task Calls(IAsyncStreamReader<PresenceCall> requestStream, IServerStreamWriter<PresenceCallReply> responseStream, ServerCallContext context) =>
        new PresenceCallServer(this, errors, time, logger, tracing, watches).ServeAsync(requestStream, responseStream, context);
}
