using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;

namespace Suite.Edge.Upstream;

/// <summary>
/// Keeps this edge's lease with presence alive: registers at start (a new incarnation per process,
/// so presence drops what a crashed predecessor left), renews at a third of the lease, re-registers
/// when presence lost the lease, and deregisters when the edge drains.
/// </summary>
/// <remarks>
/// A lease that lapsed while the edge lived (presence or its store out, or this process stalled,
/// for longer than the lease) ends at presence and, through <c>presence.edges</c>, in room, which
/// drops the edge's connections from every room and channel. The edge then registers the next
/// generation of its lease and replays its connections, their rooms and their channels in the
/// background (<see cref="LeaseReplay"/>): renewals go on while a replay of many connections runs,
/// so the replay cannot outlast the lease it replays into, and a newer lapse cancels it.
/// </remarks>
public sealed partial class EdgeLeaseService(
    PresenceService.PresenceServiceClient presence,
    LeaseReplay replay,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<EdgeLeaseService> logger) : BackgroundService, IHealthCheck
{
    private volatile bool _registered;
    private long _confirmedAtTicks;
    private long _generation = 1;
    private CancellationTokenSource? _replay;
    private Task _replayRun = Task.CompletedTask;

    public string Incarnation { get; } = Guid.NewGuid().ToString("N");

    public bool IsRegistered => _registered;

    /// <summary>The lease joins and subscriptions are made under now.</summary>
    public LeaseStamp Current => new(Incarnation, (ulong)Interlocked.Read(ref _generation));

    /// <summary>
    /// Ready (/readyz) while this edge holds a lease presence confirmed within the lease duration:
    /// without one, its connections' joins and deliveries are not known to the rest of the suite
    /// (not registered yet, ended by presence, or presence out of reach for longer than the lease).
    /// </summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var confirmed = Interlocked.Read(ref _confirmedAtTicks);
        var age = time.GetUtcNow() - new DateTimeOffset(confirmed, TimeSpan.Zero);
        return Task.FromResult(
            !_registered ? HealthCheckResult.Unhealthy("no edge lease: not registered with presence")
            : age > options.Value.LeaseDuration ? HealthCheckResult.Unhealthy($"edge lease not confirmed by presence for {age.TotalSeconds:0} s (lease {options.Value.LeaseDuration.TotalSeconds:0} s)")
            : HealthCheckResult.Healthy());
    }

    /// <summary>The latest replay, done when it finished, failed or was cancelled.</summary>
    public Task ReplayRun => Volatile.Read(ref _replayRun);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var edge = options.Value;
        using var timer = new PeriodicTimer(edge.LeaseDuration / 3, time);
        try
        {
            do
            {
                try
                {
                    if (_registered)
                    {
                        await presence.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = edge.EdgeId, Incarnation = Incarnation }, deadline: Deadline(edge), cancellationToken: stoppingToken);
                        Confirmed();
                    }
                    else
                    {
                        await RegisterAsync(edge, stoppingToken);
                    }
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    // Presence ended the lease (e.g. it was down, or this edge stalled, longer than the
                    // lease): what it held is gone there and, once room hears of it, in every room.
                    // Joins from now on belong to the next lease; a replay into the ended one is moot.
                    _registered = false;
                    CancelReplay();
                    var next = Interlocked.Increment(ref _generation);
                    LogLeaseLost(logger, edge.EdgeId, (ulong)next);
                    // Register again now rather than a third of a lease later: until then this edge's
                    // users are offline and its rooms publish nothing to it.
                    await TryRegisterAsync(edge, stoppingToken);
                }
                catch (RpcException ex)
                {
                    LogLeaseCallFailed(logger, edge.EdgeId, ex.Status.Detail);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        finally
        {
            CancelReplay();
        }
    }

    /// <summary>Tells presence this edge is gone, so its users turn offline now rather than at lease expiry.</summary>
    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        var edge = options.Value;
        CancelReplay();
        try
        {
            await presence.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = edge.EdgeId, Incarnation = Incarnation }, deadline: Deadline(edge), cancellationToken: cancellationToken);
            _registered = false;
        }
        catch (RpcException ex)
        {
            LogLeaseCallFailed(logger, edge.EdgeId, ex.Status.Detail);
        }
    }

    private async Task TryRegisterAsync(EdgeOptions edge, CancellationToken cancellationToken)
    {
        try
        {
            await RegisterAsync(edge, cancellationToken);
        }
        catch (RpcException ex)
        {
            // The next tick tries again.
            LogLeaseCallFailed(logger, edge.EdgeId, ex.Status.Detail);
        }
    }

    private async Task RegisterAsync(EdgeOptions edge, CancellationToken cancellationToken)
    {
        // A retry of a registration whose answer was lost repeats the same generation, which
        // presence takes as a renewal of the lease it already granted.
        var lease = Current;
        await presence.RegisterEdgeAsync(
            new RegisterEdgeRequest { EdgeId = edge.EdgeId, Incarnation = Incarnation, LeaseDuration = Duration.FromTimeSpan(edge.LeaseDuration), LeaseGeneration = lease.Generation },
            deadline: Deadline(edge),
            cancellationToken: cancellationToken);
        Confirmed();
        _registered = true;
        LogRegistered(logger, edge.EdgeId, Incarnation, lease.Generation);

        // The first lease replays presence only, for connections that authenticated before it went
        // through; their joins were made under it already. A later one replays memberships too.
        StartReplay(lease, memberships: lease.Generation > 1, cancellationToken);
    }

    private void Confirmed() => Interlocked.Exchange(ref _confirmedAtTicks, time.GetUtcNow().UtcTicks);

    // Not awaited: the renewal loop must go on while a replay of thousands of connections runs.
    private void StartReplay(LeaseStamp lease, bool memberships, CancellationToken stoppingToken)
    {
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Cancel(Interlocked.Exchange(ref _replay, cancellation));
        Volatile.Write(ref _replayRun, RunReplayAsync(lease, memberships, cancellation));
    }

    private async Task RunReplayAsync(LeaseStamp lease, bool memberships, CancellationTokenSource cancellation)
    {
        try
        {
            await Task.Yield();
            await replay.ReplayAsync(lease, memberships, cancellation.Token);
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            // Cancelled calls surface as RpcException (Cancelled) as well as OperationCanceledException.
            LogReplayCancelled(logger, options.Value.EdgeId, lease.Generation);
        }
        catch (Exception ex)
        {
            LogReplayFailed(logger, ex, options.Value.EdgeId, lease.Generation);
        }
        finally
        {
            Interlocked.CompareExchange(ref _replay, null, cancellation);
            cancellation.Dispose();
        }
    }

    private void CancelReplay() => Cancel(Interlocked.Exchange(ref _replay, null));

    private static void Cancel(CancellationTokenSource? replay)
    {
        try
        {
            replay?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The replay finished and disposed its source between the exchange and the cancel.
        }
    }

    private static DateTime Deadline(EdgeOptions edge) => UpstreamDeadline.After(edge.UpstreamTimeout);

    [LoggerMessage(1, LogLevel.Information, "edge {EdgeId} registered with presence as incarnation {Incarnation}, lease generation {Generation}")]
    private static partial void LogRegistered(ILogger logger, string edgeId, string incarnation, ulong generation);

    [LoggerMessage(2, LogLevel.Warning, "presence lost the lease of edge {EdgeId}; registering again as lease generation {Generation}")]
    private static partial void LogLeaseLost(ILogger logger, string edgeId, ulong generation);

    [LoggerMessage(3, LogLevel.Warning, "lease call for edge {EdgeId} failed: {Reason}")]
    private static partial void LogLeaseCallFailed(ILogger logger, string edgeId, string reason);

    [LoggerMessage(4, LogLevel.Information, "replay of edge {EdgeId} under lease generation {Generation} cancelled (a newer lapse or shutdown)")]
    private static partial void LogReplayCancelled(ILogger logger, string edgeId, ulong generation);

    [LoggerMessage(5, LogLevel.Error, "replay of edge {EdgeId} under lease generation {Generation} failed")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception, string edgeId, ulong generation);
}
