using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.PresenceCalls;

namespace Suite.Edge.Tests.Fakes;

/// <summary>An in-memory presence service speaking the real contract, recording what edges told it.</summary>
public sealed class FakePresence : PresenceService.PresenceServiceBase
{
    private readonly ConcurrentDictionary<string, ConnectRequest> _connections = new();

    /// <summary>Every call served, in order, whether it came unary or on the call stream.</summary>
    public ConcurrentQueue<string> CallLog { get; } = new();

    public ConcurrentDictionary<string, string> Leases { get; } = new();

    public IReadOnlyCollection<ConnectRequest> Connections => _connections.Values.ToList();

    public ConcurrentQueue<RegisterEdgeRequest> Registrations { get; } = new();

    private int _renewals;

    /// <summary>Renewals that found the lease.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    private int _streamedConnectsAndDisconnects;

    /// <summary>Connects and disconnects that came on the call stream (the rest came unary).</summary>
    public int StreamedConnectsAndDisconnects => Volatile.Read(ref _streamedConnectsAndDisconnects);

    private int _connectFailures;

    /// <summary>How many of the next Connects fail UNAVAILABLE (recorded first), as a presence that is down or slow.</summary>
    public int ConnectFailures
    {
        get => Volatile.Read(ref _connectFailures);
        set => Volatile.Write(ref _connectFailures, value);
    }

    /// <summary>While set, every Connect is recorded and then waits for it to complete, as a presence that is slow.</summary>
    public TaskCompletionSource? ConnectHold { get; set; }

    public override Task<ConnectResponse> Connect(ConnectRequest request, ServerCallContext context)
    {
        CallLog.Enqueue($"Connect {request.UserId} {request.ConnectionId}");
        CountStreamed(context);
        return ConnectHold is { } hold ? ConnectAfterAsync(hold.Task, request) : Answer(request);
    }

    private async Task<ConnectResponse> ConnectAfterAsync(Task hold, ConnectRequest request)
    {
        await hold;
        return await Answer(request);
    }

    private Task<ConnectResponse> Answer(ConnectRequest request)
    {
        if (Interlocked.Decrement(ref _connectFailures) >= 0)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "presence is down (test)"));
        }

        Interlocked.Exchange(ref _connectFailures, 0);
        var cameOnline = _connections.Values.All(c => c.UserId != request.UserId);
        var newEdge = _connections.Values.All(c => c.UserId != request.UserId || c.EdgeId != request.EdgeId);
        _connections[request.ConnectionId] = request;
        var response = new ConnectResponse { UserCameOnline = cameOnline };
        return newEdge ? AfterWatchersAsync(Watches.ChangedAsync(request.UserId, gainedEdge: true), response) : Task.FromResult(response);
    }

    private static async Task<T> AfterWatchersAsync<T>(Task watchers, T response)
    {
        await watchers;
        return response;
    }

    /// <summary>When set, every Disconnect is recorded and then answered with this status, as a presence that is down.</summary>
    public StatusCode? DisconnectFailsWith { get; set; }

    public override Task<DisconnectResponse> Disconnect(DisconnectRequest request, ServerCallContext context)
    {
        CallLog.Enqueue($"Disconnect {request.UserId} {request.ConnectionId}");
        CountStreamed(context);
        if (DisconnectFailsWith is { } code)
        {
            throw new RpcException(new Status(code, "presence is down (test)"));
        }

        _connections.TryRemove(request.ConnectionId, out _);
        _ = Watches.ChangedAsync(request.UserId, gainedEdge: false);
        return Task.FromResult(new DisconnectResponse { UserWentOffline = _connections.Values.All(c => c.UserId != request.UserId) });
    }

    /// <summary>Set to answer <c>Calls</c> UNIMPLEMENTED, as a presence from before it does.</summary>
    public bool ServeCallStream { get; set; } = true;

    private int _streamedLookups;

    /// <summary>Lookups that came on the call stream (the rest came unary).</summary>
    public int StreamedLookups => Volatile.Read(ref _streamedLookups);

    private readonly WatchAuthority _authority = new();
    private CancellationTokenSource _streams = new();

    /// <summary>Watches users for the edges' call streams as presence does (the real <see cref="PresenceWatches"/>).</summary>
    public PresenceWatches Watches { get; }

    public FakePresence() => Watches = new PresenceWatches(_authority, 10_000, TimeProvider.System, NullLogger.Instance);

    /// <summary>How long the watches granted from now last; zero (the default): none are granted, as a presence not sure of its memory.</summary>
    public TimeSpan WatchesLast
    {
        get => _authority.SureFor;
        set => _authority.SureFor = value;
    }

    /// <summary>Ends every open call stream with UNAVAILABLE, as a presence restart or a broken connection would.</summary>
    public void BreakCallStreams() => Interlocked.Exchange(ref _streams, new CancellationTokenSource()).Cancel();

    // Edges look users up over the Calls stream by default: serve it the way presence does.
    public override async Task Calls(IAsyncStreamReader<PresenceCall> requestStream, IServerStreamWriter<PresenceCallReply> responseStream, ServerCallContext context)
    {
        if (!ServeCallStream)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "no Calls in this presence"));
        }

        var serving = new PresenceCallServer(this, null, TimeProvider.System, NullLogger.Instance, watches: Watches).ServeAsync(requestStream, responseStream, context);
        var broken = Task.Delay(Timeout.Infinite, _streams.Token);
        if (await Task.WhenAny(serving, broken) == broken)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the call stream broke (test)"));
        }

        await serving;
    }

    private void CountStreamed(ServerCallContext context)
    {
        if (context is Suite.ServiceDefaults.CallStreams.StreamedCallContext)
        {
            Interlocked.Increment(ref _streamedConnectsAndDisconnects);
        }
    }

    public override Task<LookupUsersResponse> LookupUsers(LookupUsersRequest request, ServerCallContext context)
    {
        CallLog.Enqueue($"LookupUsers {string.Join(',', request.UserIds)}");
        if (context is Suite.ServiceDefaults.CallStreams.StreamedCallContext)
        {
            Interlocked.Increment(ref _streamedLookups);
        }

        if (request.UserIds.Any(string.IsNullOrEmpty))
        {
            // As presence answers it.
            throw new RpcException(new Status(StatusCode.InvalidArgument, "user_ids must not hold an empty id"));
        }

        var response = new LookupUsersResponse();
        foreach (var user in request.UserIds)
        {
            // Only users with a connection, as the contract says.
            var edges = _connections.Values.Where(c => c.UserId == user).Select(c => c.EdgeId).Distinct().ToArray();
            if (edges.Length > 0)
            {
                response.Users.Add(new UserEdges { UserId = user, EdgeIds = { edges } });
            }
        }

        return Task.FromResult(response);
    }

    /// <summary>Registrations and renewals fail UNAVAILABLE, as with presence out of reach.</summary>
    public bool LeasesUnavailable { get; set; }

    public override Task<EdgeLease> RegisterEdge(RegisterEdgeRequest request, ServerCallContext context)
    {
        ThrowIfLeasesUnavailable();
        CallLog.Enqueue($"RegisterEdge {request.EdgeId}");
        Registrations.Enqueue(request);
        Leases[request.EdgeId] = request.Incarnation;
        return Task.FromResult(new EdgeLease { EdgeId = request.EdgeId, Incarnation = request.Incarnation, LeaseDuration = request.LeaseDuration });
    }

    public override Task<EdgeLease> RenewEdgeLease(RenewEdgeLeaseRequest request, ServerCallContext context)
    {
        ThrowIfLeasesUnavailable();
        if (!Leases.TryGetValue(request.EdgeId, out var incarnation) || incarnation != request.Incarnation)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "no lease"));
        }

        Interlocked.Increment(ref _renewals);
        return Task.FromResult(new EdgeLease { EdgeId = request.EdgeId, Incarnation = request.Incarnation });
    }

    private void ThrowIfLeasesUnavailable()
    {
        if (LeasesUnavailable)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "presence out of reach (test)"));
        }
    }

    /// <summary>Ends the edge's lease as presence does when it was not renewed in time.</summary>
    public void Expire(string edgeId) => Leases.TryRemove(edgeId, out _);

    public override Task<DeregisterEdgeResponse> DeregisterEdge(DeregisterEdgeRequest request, ServerCallContext context)
    {
        CallLog.Enqueue($"DeregisterEdge {request.EdgeId}");
        Leases.TryRemove(request.EdgeId, out _);
        return Task.FromResult(new DeregisterEdgeResponse());
    }

    private sealed class WatchAuthority : IWatchAuthority
    {
        public TimeSpan SureFor { get; set; }

        public long Continuity => 0;
    }
}
