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
/// its topic. A late DOWN for an older incarnation than the live one is ignored.
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

        // REPLACED always means the connections recorded so far belong to a dead process.
        if (change.Change != EdgeChange.Replaced && record.Incarnation.Length > 0 && change.Incarnation.Length > 0 && record.Incarnation != change.Incarnation)
        {
            RoomLog.StaleEdgeEvent(logger, change.Change.ToString(), change.EdgeId, change.Incarnation, record.Incarnation);
            return;
        }

        // Each room on its owner, which drops the edge's connections from memory and the store.
        foreach (var room in record.Rooms)
        {
            var drop = new DropEdgeRequest { RoomId = room, EdgeId = change.EdgeId };
            await owners.OnOwnerAsync(room, forwarded: false, deadline: null, cancellationToken, owned => membership.DropEdgeAsync(owned, change.EdgeId, cancellationToken), (c, o) => c.DropEdgeAsync(drop, o));
        }

        foreach (var channel in record.Channels)
        {
            await indexes.RemoveEdgeAsync(IndexKind.Channel, channel, change.EdgeId, cancellationToken);
        }

        // Only what was dropped leaves the record; a join that re-added the edge meanwhile stays.
        await state.UpdateAsync<EdgeRecord>(key, "edge", current =>
        {
            if (current is null)
            {
                return (current, false);
            }

            current.Rooms.ExceptWith(record.Rooms);
            current.Channels.ExceptWith(record.Channels);
            return (current, true);
        }, cancellationToken);

        metrics.EdgesDropped.Add(1, new KeyValuePair<string, object?>("change", change.Change.ToString()));
        RoomLog.EdgeDropped(logger, change.EdgeId, change.Change.ToString(), change.Incarnation, record.Rooms.Count, record.Channels.Count);
    }
}
