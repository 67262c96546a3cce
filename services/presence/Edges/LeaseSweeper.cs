using Microsoft.Extensions.Options;

namespace Suite.Presence.Edges;

/// <summary>Ends leases not renewed within their duration, so a crashed edge's users turn offline.</summary>
public sealed class LeaseSweeper(EdgeLeases leases, IOptions<PresenceOptions> options, TimeProvider time, ILogger<LeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await leases.SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    PresenceLog.SweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
