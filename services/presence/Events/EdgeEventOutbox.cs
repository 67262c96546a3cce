using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.Presence.Memory;
using Suite.Presence.State;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Publishing;

namespace Suite.Presence.Events;

/// <summary>
/// The presence.edges outbox: EdgeChanged events stored in the edge registry record
/// (<see cref="EdgeRegistry.Outbox"/>) by the write that made the transition, and published by the
/// <see cref="OutboxRelay"/>. Room stops fanning out to a dead edge only when it hears the edge's
/// lease ended, so the event must outlive a broker outage and a presence restart.
/// </summary>
public sealed class EdgeEventOutbox(LeaseRegistry leaseRegistry, ReplicaMembership replicas) : IOutbox
{
    /// <summary>
    /// Adds the event of a transition to <paramref name="registry"/> (inside its update, so it is
    /// stored with the transition or not at all). Returns how many of the oldest events were dropped
    /// to stay within <paramref name="limit"/>.
    /// </summary>
    public static int Add(EdgeRegistry registry, string edgeId, string incarnation, ulong leaseGeneration, EdgeChange change, DateTimeOffset at, int limit)
    {
        registry.Outbox.Add(new OutboxEvent
        {
            Id = Guid.NewGuid().ToString("N"),
            Topic = DaprNames.PresenceEdgesTopic,
            Json = JsonFormatter.Default.Format(new EdgeChanged
            {
                EdgeId = edgeId,
                Incarnation = incarnation,
                LeaseGeneration = leaseGeneration,
                Change = change,
                Timestamp = Timestamp.FromDateTimeOffset(at),
            }),
            CreatedAt = at,
        });

        var excess = registry.Outbox.Count - limit;
        if (excess <= 0)
        {
            return 0;
        }

        registry.Outbox.RemoveRange(0, excess);
        return excess;
    }

    public async Task<IReadOnlyList<OutboxEvent>> PendingAsync(CancellationToken cancellationToken) =>
        [.. (await leaseRegistry.ReadAsync(cancellationToken)).Outbox];

    public async Task RemoveAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await replicas.EnsureAdmittedAsync(cancellationToken);
        var published = ids.ToHashSet(StringComparer.Ordinal);
        await leaseRegistry.UpdateAsync(registry => (registry.Outbox.RemoveAll(e => published.Contains(e.Id)) > 0, true), cancellationToken);
    }
}
