using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;

namespace Suite.Edge.Upstream;

/// <summary>
/// Keeps this edge's lease with presence alive: registers at start (a new incarnation per process,
/// so presence drops what a crashed predecessor left), renews at a third of the lease, re-registers
/// when presence lost the lease, and deregisters when the edge drains.
/// </summary>
public sealed partial class EdgeLeaseService(
    PresenceService.PresenceServiceClient presence,
    Connections.ConnectionRegistry connections,
    IOptions<EdgeOptions> options,
    TimeProvider time,
    ILogger<EdgeLeaseService> logger) : BackgroundService
{
    public string Incarnation { get; } = Guid.NewGuid().ToString("N");

    private volatile bool _registered;

    public bool IsRegistered => _registered;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var edge = options.Value;
        using var timer = new PeriodicTimer(edge.LeaseDuration / 3, time);
        do
        {
            try
            {
                if (_registered)
                {
                    await presence.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = edge.EdgeId, Incarnation = Incarnation }, deadline: Deadline(edge), cancellationToken: stoppingToken);
                }
                else
                {
                    await RegisterAsync(edge, stoppingToken);
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Presence expired the lease (e.g. it was down longer than the lease): start over.
                _registered = false;
                LogLeaseLost(logger, edge.EdgeId);
            }
            catch (RpcException ex)
            {
                LogLeaseCallFailed(logger, edge.EdgeId, ex.Status.Detail);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Tells presence this edge is gone, so its users turn offline now rather than at lease expiry.</summary>
    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        var edge = options.Value;
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

    private async Task RegisterAsync(EdgeOptions edge, CancellationToken cancellationToken)
    {
        await presence.RegisterEdgeAsync(
            new RegisterEdgeRequest { EdgeId = edge.EdgeId, Incarnation = Incarnation, LeaseDuration = Duration.FromTimeSpan(edge.LeaseDuration) },
            deadline: Deadline(edge),
            cancellationToken: cancellationToken);
        _registered = true;
        LogRegistered(logger, edge.EdgeId, Incarnation);
        await ReplayConnectionsAsync(edge, cancellationToken);
    }

    // A new lease starts empty at presence (the contract drops what an earlier lease held), so the
    // edge tells presence again about every connection it still has: after a presence outage, and
    // for connections that authenticated before the first registration went through.
    private async Task ReplayConnectionsAsync(EdgeOptions edge, CancellationToken cancellationToken)
    {
        foreach (var connection in connections.All)
        {
            if (connection.Identity is { } identity && connection.State is Connections.ConnectionState.Active or Connections.ConnectionState.Idle)
            {
                await presence.ConnectAsync(
                    Connections.ConnectionLifecycle.ConnectRequestFor(connection, identity, edge.EdgeId),
                    deadline: Deadline(edge),
                    cancellationToken: cancellationToken);
            }
        }
    }

    private static DateTime Deadline(EdgeOptions edge) => UpstreamDeadline.After(edge.UpstreamTimeout);

    [LoggerMessage(1, LogLevel.Information, "edge {EdgeId} registered with presence as incarnation {Incarnation}")]
    private static partial void LogRegistered(ILogger logger, string edgeId, string incarnation);

    [LoggerMessage(2, LogLevel.Warning, "presence lost the lease of edge {EdgeId}; registering again")]
    private static partial void LogLeaseLost(ILogger logger, string edgeId);

    [LoggerMessage(3, LogLevel.Warning, "lease call for edge {EdgeId} failed: {Reason}")]
    private static partial void LogLeaseCallFailed(ILogger logger, string edgeId, string reason);
}
