using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Suite.Edge.Protocol;
using Suite.Edge.Upstream;

namespace Suite.Edge.Connections;

/// <summary>
/// Graceful shutdown. On SIGTERM, before Kestrel stops: refuse new connections and fail /readyz,
/// tell every client to reconnect after a jittered delay (so they do not all return at once),
/// close with 1012 once each queue is flushed, wait up to the drain timeout, then deregister the
/// edge from presence so its users turn offline at once instead of at lease expiry.
/// </summary>
public sealed partial class EdgeDrain(
    ConnectionRegistry registry,
    ServerFrames frames,
    EdgeLeaseService lease,
    IOptions<ConnectionOptions> options,
    TimeProvider time,
    ILogger<EdgeDrain> logger) : IHostedLifecycleService, IHealthCheck
{
    private int _draining;

    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1)
        {
            return;
        }

        var connections = registry.All.ToList();
        LogDraining(logger, connections.Count);
        var jitter = options.Value.ReconnectJitter;
        foreach (var connection in connections)
        {
            var retryAfter = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * jitter.TotalMilliseconds);
            connection.Send(frames.Reconnect("server shutting down", retryAfter));
            connection.RequestClose(new CloseRequest(CloseCodes.ServiceRestart, "server shutting down", Flush: true));
        }

        try
        {
            await registry.WhenEmptyAsync().WaitAsync(options.Value.DrainTimeout, time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            LogDrainTimedOut(logger, registry.Count);
            foreach (var connection in registry.All)
            {
                connection.Socket.Abort();
            }
        }

        await lease.DeregisterAsync(CancellationToken.None);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsDraining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy());

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Information, "draining {Count} connections")]
    private static partial void LogDraining(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Warning, "drain timed out; aborting {Count} connections")]
    private static partial void LogDrainTimedOut(ILogger logger, int count);
}
