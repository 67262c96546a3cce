using Microsoft.Extensions.Options;
using Suite.Edge.Connections;

namespace Suite.Edge.Limits;

/// <summary>
/// The edge-wide admission rate: a bucket of <see cref="ConnectionOptions.AdmissionsPerSecond"/>
/// upgrades, refilled whole once a second has passed since its last refill; beyond it an upgrade
/// gets HTTP 429 with Retry-After.
/// </summary>
/// <remarks>
/// Checked inside the upgrade rather than by the rate-limiting middleware: the middleware awaits
/// the endpoint, so for a WebSocket it would keep its frame and lease alive for the connection's
/// whole life (about 250 bytes per idle connection) to release a permit that was only ever needed
/// at the upgrade.
/// <para>
/// Refilled when asked, from the clock, not by a timer: System.Threading.RateLimiting's token
/// bucket with auto-replenishment ran a timer of its own that woke the process every second
/// whether or not anyone connected (issue 10: each wake-up of an idle edge costs ~100 µs of CPU on
/// the VMs measured). Upgrades are at most a few thousand a second, so a lock is cheap here.
/// </para>
/// </remarks>
public sealed class AdmissionGate(IOptions<ConnectionOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly int _limit = options.Value.AdmissionsPerSecond;
    private int _left = options.Value.AdmissionsPerSecond;
    private long _refilledAt = time.GetTimestamp();

    /// <summary>Takes one admission; false when this second's are used up.</summary>
    public bool TryAdmit()
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (time.GetElapsedTime(_refilledAt, now) >= Period)
            {
                _left = _limit;
                _refilledAt = now;
            }

            if (_left == 0)
            {
                return false;
            }

            _left--;
            return true;
        }
    }
}
