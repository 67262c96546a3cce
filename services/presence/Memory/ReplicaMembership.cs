using System.Diagnostics;
using Dapr.Client;
using Microsoft.Extensions.Options;
using Suite.Presence.State;
using Suite.ServiceDefaults.State;

namespace Suite.Presence.Memory;

/// <summary>
/// Decides when this process may answer from <see cref="PresenceMemory"/>. Every replica lists itself
/// under <see cref="StateKeys.Replicas"/> and renews every third of <c>Presence:ReplicaLease</c>
/// (L). A replica trusts its memory only while that record, read less than 0.8 L ago, shows no
/// other replica alive and no registration since its memory was loaded. A replica that finds others
/// alive when it registers writes nothing for L, so every replica that was sure has stopped
/// trusting its memory (its last confirmation was read before the registration, and lapses 0.8 L
/// after that read) before the newcomer's first write. Replicas that are not sure read the store,
/// with ETag-guarded writes, as before. What holds: with one replica every lookup is answered from
/// memory; with several, each answers from the store; wall clocks of replicas may differ by less
/// than L/2, and a process paused longer than L/2 renews (and, if its record lapsed, waits again)
/// before it writes. This is liveness and fencing time, not business time, hence the real clock.
/// </summary>
public sealed partial class ReplicaMembership(
    DaprClient dapr,
    StateStore store,
    PresenceMemory memory,
    MemoryLoader loader,
    IOptions<PresenceOptions> options,
    ILogger<ReplicaMembership> logger) : BackgroundService
{
    private static readonly TimeProvider Clock = TimeProvider.System;
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private long _renewedAt;
    private long _admittedAt;
    private long _joinsSeen = -1;

    private TimeSpan Lease => options.Value.ReplicaLease;

    /// <summary>Before any write: this replica's record is fresh, and others have had time to notice it.</summary>
    public async Task EnsureAdmittedAsync(CancellationToken cancellationToken)
    {
        if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _renewedAt)) > Lease / 2)
        {
            await RenewAsync(cancellationToken);
        }

        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Interlocked.Read(ref _admittedAt));
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Lease / 3, Clock);
        try
        {
            // Over HTTP: a gRPC call to a sidecar still starting would leave the channel backing off
            // and fail the first requests after the sidecar came up.
            await dapr.WaitForSidecarAsync(stoppingToken);
            do
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    memory.Doubt();
                    TickFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Leaving lets a remaining replica trust its memory again after one reload instead of after L.
            await store.UpdateAsync<ReplicaSet>(StateKeys.Replicas, "replicas", set => (set, set?.Live.Remove(memory.WriterId) == true), cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // Shutting down without a sidecar to tell: the record lapses after ReplicaLease instead.
        }
        catch (Exception ex)
        {
            TickFailed(logger, ex);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var readAt = Stopwatch.GetTimestamp();
        var (others, joins) = await RenewAsync(cancellationToken);
        var joinedSince = Interlocked.Exchange(ref _joinsSeen, joins) != joins;
        if (others > 0 || joinedSince)
        {
            memory.Doubt();
            if (others > 0)
            {
                return;
            }
        }

        if (!memory.IsLoaded)
        {
            await loader.LoadAsync(cancellationToken);
        }

        // Anything up to L is safe for clocks running at one rate; 0.8 L leaves room for drift, and
        // two slow or failed renewals in a row before lookups fall back to the store.
        memory.ConfirmUntil(readAt + (long)(Lease.TotalSeconds * 0.8 * Stopwatch.Frequency));
        memory.ForgetOffline();
    }

    private async Task<(int Others, long Joins)> RenewAsync(CancellationToken cancellationToken)
    {
        await _renewing.WaitAsync(cancellationToken);
        try
        {
            var readAt = Stopwatch.GetTimestamp();
            var now = Clock.GetUtcNow();
            var (others, joined) = (0, false);
            var set = await store.UpdateAsync<ReplicaSet>(StateKeys.Replicas, "replicas", current =>
            {
                var next = current ?? new ReplicaSet();
                foreach (var lapsed in next.Live.Where(r => r.Value <= now).Select(r => r.Key).ToArray())
                {
                    next.Live.Remove(lapsed);
                }

                joined = !next.Live.ContainsKey(memory.WriterId);
                others = next.Live.Count - (joined ? 0 : 1);
                if (joined)
                {
                    next.Joins++;
                }

                next.Live[memory.WriterId] = now + Lease;
                return (next, true);
            }, cancellationToken);

            if (joined)
            {
                // Counted from after the write, the latest moment a sure replica can have read the set without us.
                var writtenAt = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref _admittedAt, others > 0 ? writtenAt + (long)(Lease.TotalSeconds * Stopwatch.Frequency) : writtenAt);
            }

            Interlocked.Exchange(ref _renewedAt, readAt);
            return (others, set!.Joins);
        }
        finally
        {
            _renewing.Release();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "presence replica renewal failed; answering from the store until it succeeds")]
    private static partial void TickFailed(ILogger logger, Exception exception);
}
