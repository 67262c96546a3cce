using System.Net;
using Dapr.Client;
using Microsoft.Extensions.Options;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Owners;

/// <summary>
/// This process as a room replica: an id that is new on every start (a restarted owner has lost its
/// memory, so it must take its rooms over like anyone else), the address others forward to, and the
/// lease that keeps its rooms: a record with a TTL, renewed every third of the lease. Once a renewal
/// is overdue the replica stops serving its rooms before the record can expire, so no other replica
/// takes a room over while this one still believes it owns it.
/// </summary>
internal sealed class RoomReplica(StateStore state, DaprClient dapr, IOptions<RoomOptions> options, IConfiguration configuration, TimeProvider time, ILogger<RoomReplica> logger) : BackgroundService
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private DateTimeOffset _liveUntil = DateTimeOffset.MinValue;
    private int _leaseGeneration;
    private string? _address;
    private volatile bool _sidecarSeen;

    public string Id { get; } = $"{Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName}-{Guid.NewGuid().ToString("N")[..12]}";

    public string Address => _address ??= AdvertisedAddress(options.Value, configuration);

    /// <summary>
    /// Counts the leases this replica has held: it grows when a renewal gets through after the
    /// lease had lapsed (a pause, a partition), because rooms loaded under an earlier lease may have
    /// moved meanwhile and must be loaded again rather than served from memory.
    /// </summary>
    public int LeaseGeneration
    {
        get
        {
            lock (_gate)
            {
                return _leaseGeneration;
            }
        }
    }

    /// <summary>False once the lease may have lapsed: the rooms this replica held may already have another owner.</summary>
    public bool IsLive
    {
        get
        {
            lock (_gate)
            {
                return time.GetUtcNow() < _liveUntil;
            }
        }
    }

    /// <summary>
    /// True when the lease is current, renewing it first if it is not (the sidecar may come up after
    /// the app, so the first calls can arrive before the first renewal got through).
    /// </summary>
    public async Task<bool> EnsureLiveAsync(CancellationToken cancellationToken)
    {
        if (IsLive)
        {
            return true;
        }

        // A few quick tries: right after start the sidecar's gRPC port may lag its health endpoint.
        for (var attempt = 0; attempt < 10 && !IsLive; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
            }

            await _renewing.WaitAsync(cancellationToken);
            try
            {
                if (!IsLive && await SidecarUpAsync(cancellationToken))
                {
                    await RenewAsync(cancellationToken);
                }
            }
            finally
            {
                _renewing.Release();
            }
        }

        return IsLive;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        lock (_gate)
        {
            _liveUntil = DateTimeOffset.MinValue;
        }

        // Leaving at once lets the other replicas take the rooms over now instead of after the lease;
        // best effort: if it fails they wait for the lease to run out.
        try
        {
            await state.TransactAsync([StateChange.Delete(StateKeys.Replica(Id))], cancellationToken);
        }
        catch (Exception ex) when (ex is StateTransactionFailedException or Dapr.DaprException or OperationCanceledException or ObjectDisposedException)
        {
            RoomLog.ReplicaLeaseFailed(logger, Id, ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.OwnerLeaseDuration / 3;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _renewing.WaitAsync(stoppingToken);
                try
                {
                    if (await SidecarUpAsync(stoppingToken))
                    {
                        await RenewAsync(stoppingToken);
                    }
                }
                finally
                {
                    _renewing.Release();
                }

                // Until a renewal gets through (the sidecar starting, the store down) try again soon.
                await Task.Delay(IsLive ? period : TimeSpan.FromMilliseconds(Math.Min(500, period.TotalMilliseconds)), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Asked over HTTP until it first answers: a gRPC call to a sidecar that is not listening yet puts
    // the shared Dapr channel into reconnect backoff, failing every state call for seconds after.
    private async Task<bool> SidecarUpAsync(CancellationToken cancellationToken)
    {
        if (!_sidecarSeen)
        {
            _sidecarSeen = await dapr.CheckOutboundHealthAsync(cancellationToken);
        }

        return _sidecarSeen;
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var lease = options.Value.OwnerLeaseDuration;
        var started = time.GetUtcNow();
        try
        {
            await state.TransactAsync([StateChange.Upsert(StateKeys.Replica(Id), new ReplicaRecord { Address = Address }, ttl: lease)], cancellationToken);
            lock (_gate)
            {
                if (time.GetUtcNow() >= _liveUntil)
                {
                    _leaseGeneration++;
                }

                // The record expires a lease after the store applied it, which is after `started`;
                // stopping a fifth early leaves room for clocks and for calls already under way.
                _liveUntil = started + lease * 0.8;
            }
        }
        catch (Exception ex) when (ex is StateTransactionFailedException or Dapr.DaprException)
        {
            RoomLog.ReplicaLeaseFailed(logger, Id, ex);
        }
    }

    private static string AdvertisedAddress(RoomOptions options, IConfiguration configuration)
    {
        if (options.AdvertisedAddress.Length > 0)
        {
            return options.AdvertisedAddress;
        }

        var url = configuration["Kestrel:Endpoints:Grpc:Url"] ?? "http://0.0.0.0:5102";
        var uri = new Uri(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        var host = uri.Host is "0.0.0.0" or "[::]" ? Environment.GetEnvironmentVariable("POD_IP") ?? Dns.GetHostName() : uri.Host;
        return $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
