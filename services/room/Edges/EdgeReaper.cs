using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.Room.Membership;
using Suite.Room.Owners;
using Suite.Room.Fanout;
using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Edges;

/// <summary>
/// Drops an edge whose lease ended (expired, deregistered, or replaced by a new incarnation) from
/// the rooms (members and indexes) and channels its reverse record lists, so nothing more is published to
/// its topic. An event that names the lease's generation drops only what was joined under that
/// lease (its incarnation, that generation or earlier): an edge that lived through the lapse and
/// joined its connections again under its next lease keeps them, however late the event comes. An
/// event without one (a presence from before generations) drops every connection of the edge,
/// and a late DOWN of such an event for an older incarnation than the live one is ignored.
/// </summary>
internal sealed class EdgeReaper(StateStore state, EdgeIndexes indexes, RoomOwners owners, RoomMembership membership, RoomMetrics metrics, ILogger<EdgeReaper> logger)
{
    public async Task HandleAsync(EdgeChanged change, CancellationToken cancellationToken)
    {
        var key = StateKeys.Edge(change.EdgeId);
        if (change.Change == EdgeChange.Registered)
        {
            await state.UpdateAsync<EdgeRecord>(key, "edge", current =>
            {
                var next = current ?? new EdgeRecord();
                var changed = next.Incarnation != change.Incarnation;
                next.Incarnation = change.Incarnation;
                return (next, changed);
            }, cancellationToken);
            return;
        }

        if (change.Change is not (EdgeChange.LeaseExpired or EdgeChange.Deregistered or EdgeChange.Replaced))
        {
            return;
        }

        var record = await state.GetAsync<EdgeRecord>(key, cancellationToken);
        if (record is null)
        {
            return;
        }

        var ended = LeaseTag.From(change.Incarnation, change.LeaseGeneration);

        // REPLACED always means the connections recorded so far belong to a dead process.
        if (ended is null && change.Change != EdgeChange.Replaced && record.Incarnation.Length > 0 && change.Incarnation.Length > 0 && record.Incarnation != change.Incarnation)
        {
            RoomLog.StaleEdgeEvent(logger, change.Change.ToString(), change.EdgeId, change.Incarnation, record.Incarnation);
            return;
        }

        // Each room on its owner, which drops the edge's connections from memory and the store.
        var reason = RoomLifecycleEvents.ReasonFor(change.Change);
        foreach (var room in record.Rooms)
        {
            // The owner also takes the room out of the reverse record once the edge has no connection left in it.
            var drop = new DropEdgeRequest { RoomId = room, EdgeId = change.EdgeId, EdgeIncarnation = ended?.Incarnation ?? "", LeaseGeneration = ended?.Generation ?? 0, Reason = reason };
            await owners.OnOwnerAsync(room, forwarded: false, deadline: null, cancellationToken, owned => membership.DropEdgeAsync(owned, change.EdgeId, ended, reason, cancellationToken), (c, o) => c.DropEdgeAsync(drop, o));
        }

        // Only a channel whose index no longer lists the edge leaves the record (and goes back in if a
        // subscription re-added the edge meanwhile); one the edge subscribed to again under a later lease stays.
        foreach (var channel in record.Channels)
        {
            if (await indexes.RemoveEdgeAsync(IndexKind.Channel, channel, change.EdgeId, ended, cancellationToken))
            {
                await indexes.UntrackAsync(IndexKind.Channel, channel, change.EdgeId, cancellationToken);
            }
        }

        metrics.EdgesDropped.Add(1, new KeyValuePair<string, object?>("change", change.Change.ToString()));
        RoomLog.EdgeDropped(logger, change.EdgeId, change.Change.ToString(), change.Incarnation, record.Rooms.Count, record.Channels.Count);
    }
}
