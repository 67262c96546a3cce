using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Suite.Edge.Connections;

namespace Suite.Edge.Limits;

/// <summary>
/// The edge-wide admission rate: a token bucket of <see cref="ConnectionOptions.AdmissionsPerSecond"/>
/// upgrades per second, refilled every second; beyond it an upgrade gets HTTP 429 with Retry-After.
/// </summary>
/// <remarks>
/// Checked inside the /ws endpoint rather than by the rate-limiting middleware: the middleware awaits
/// the endpoint, so for a WebSocket it would keep its frame and lease alive for the connection's
/// whole life (about 250 bytes per idle connection) to release a permit that was only ever needed
/// at the upgrade.
/// </remarks>
public sealed class AdmissionGate(IOptions<ConnectionOptions> options) : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter = new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = options.Value.AdmissionsPerSecond,
        TokensPerPeriod = options.Value.AdmissionsPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    /// <summary>Takes one admission; false when this second's are used up.</summary>
    public bool TryAdmit()
    {
        using var lease = _limiter.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
