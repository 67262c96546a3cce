using System.Collections.Concurrent;
using Grpc.Core;
using Suite.Contracts.Presence.V1;

namespace Suite.Edge.Tests.Fakes;

/// <summary>An in-memory presence service speaking the real contract, recording what edges told it.</summary>
public sealed class FakePresence : PresenceService.PresenceServiceBase
{
    private readonly ConcurrentDictionary<string, ConnectRequest> _connections = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentDictionary<string, string> Leases { get; } = new();

    public IReadOnlyCollection<ConnectRequest> Connections => _connections.Values.ToList();

    public ConcurrentQueue<RegisterEdgeRequest> Registrations { get; } = new();

    private int _renewals;

    /// <summary>Renewals that found the lease.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    public override Task<ConnectResponse> Connect(ConnectRequest request, ServerCallContext context)
    {
        Calls.Enqueue($"Connect {request.UserId} {request.ConnectionId}");
        var cameOnline = _connections.Values.All(c => c.UserId != request.UserId);
        _connections[request.ConnectionId] = request;
        return Task.FromResult(new ConnectResponse { UserCameOnline = cameOnline });
    }

    /// <summary>When set, every Disconnect is recorded and then answered with this status, as a presence that is down.</summary>
    public StatusCode? DisconnectFailsWith { get; set; }

    public override Task<DisconnectResponse> Disconnect(DisconnectRequest request, ServerCallContext context)
    {
        Calls.Enqueue($"Disconnect {request.UserId} {request.ConnectionId}");
        if (DisconnectFailsWith is { } code)
        {
            throw new RpcException(new Status(code, "presence is down (test)"));
        }

        _connections.TryRemove(request.ConnectionId, out _);
        return Task.FromResult(new DisconnectResponse { UserWentOffline = _connections.Values.All(c => c.UserId != request.UserId) });
    }

    public override Task<LookupUsersResponse> LookupUsers(LookupUsersRequest request, ServerCallContext context)
    {
        var response = new LookupUsersResponse();
        foreach (var user in request.UserIds)
        {
            var edges = _connections.Values.Where(c => c.UserId == user).Select(c => c.EdgeId).Distinct();
            response.Users.Add(new UserEdges { UserId = user, EdgeIds = { edges } });
        }

        return Task.FromResult(response);
    }

    public override Task<EdgeLease> RegisterEdge(RegisterEdgeRequest request, ServerCallContext context)
    {
        Calls.Enqueue($"RegisterEdge {request.EdgeId}");
        Registrations.Enqueue(request);
        Leases[request.EdgeId] = request.Incarnation;
        return Task.FromResult(new EdgeLease { EdgeId = request.EdgeId, Incarnation = request.Incarnation, LeaseDuration = request.LeaseDuration });
    }

    public override Task<EdgeLease> RenewEdgeLease(RenewEdgeLeaseRequest request, ServerCallContext context)
    {
        if (!Leases.TryGetValue(request.EdgeId, out var incarnation) || incarnation != request.Incarnation)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "no lease"));
        }

        Interlocked.Increment(ref _renewals);
        return Task.FromResult(new EdgeLease { EdgeId = request.EdgeId, Incarnation = request.Incarnation });
    }

    /// <summary>Ends the edge's lease as presence does when it was not renewed in time.</summary>
    public void Expire(string edgeId) => Leases.TryRemove(edgeId, out _);

    public override Task<DeregisterEdgeResponse> DeregisterEdge(DeregisterEdgeRequest request, ServerCallContext context)
    {
        Calls.Enqueue($"DeregisterEdge {request.EdgeId}");
        Leases.TryRemove(request.EdgeId, out _);
        return Task.FromResult(new DeregisterEdgeResponse());
    }
}
