using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Suite.Notification.Intake;

/// <summary>
/// How many times in a row each event from the <c>notifications</c> topic failed here, so the app can
/// tell the sidecar's last inbound retry from the others (Dapr says nothing of attempts). Counts live
/// in this process only: the sidecar retries a delivery against the same app, and an app that
/// restarts counts afresh (the sidecar may then dead-letter without a reason). An event not failing
/// for <see cref="Forget"/> is forgotten, so the map holds only events being retried now.
/// </summary>
public sealed class FailedDeliveries(IOptions<NotificationOptions> options, TimeProvider time)
{
    /// <summary>Longer than any inbound retry window waits between two attempts.</summary>
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private long _nextPrune;

    /// <summary>Counts one more failed delivery of <paramref name="eventId"/>; true when it was the last one the app answers with RETRY.</summary>
    public bool IsLastAttempt(string eventId)
    {
        var now = time.GetUtcNow();
        PruneIfDue(now);
        var failures = _failures.AddOrUpdate(eventId, _ => new Failures(1, now), (_, f) => new Failures(f.Count + 1, now));
        if (failures.Count < options.Value.DeliveryAttempts)
        {
            return false;
        }

        _failures.TryRemove(eventId, out _);
        return true;
    }

    /// <summary>The event went through (or was given up on): a later delivery of it starts counting again.</summary>
    public void Succeeded(string eventId) => _failures.TryRemove(eventId, out _);

    private void PruneIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextPrune);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPrune, now.UtcTicks + Forget.Ticks, due) != due)
        {
            return;
        }

        foreach (var (id, failures) in _failures)
        {
            if (now - failures.Last > Forget)
            {
                _failures.TryRemove(id, out _);
            }
        }
    }

    private sealed record Failures(int Count, DateTimeOffset Last);
}
