using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Fanout;

/// <summary>
/// The room -> edges and channel -> edges indexes (member connections per edge, one small record
/// per room or channel) and the reverse edge -> rooms/channels record that lets a dead edge be
/// dropped without scanning every room.
/// </summary>
internal sealed class EdgeIndexes(StateStore state)
{
    public static string Key(IndexKind kind, string id) =>
        kind == IndexKind.Room ? StateKeys.RoomEdges(id) : StateKeys.ChannelEdges(id);

    public async Task<EdgeIndex> ReadAsync(IndexKind kind, string id, CancellationToken cancellationToken) =>
        await state.GetAsync<EdgeIndex>(Key(kind, id), cancellationToken) ?? new EdgeIndex();

    /// <summary>Adds <paramref name="delta"/> member connections on an edge (and <paramref name="userDelta"/> distinct users).</summary>
    public async Task<IndexChange> ChangeAsync(IndexKind kind, string id, string edgeId, int delta, long userDelta, CancellationToken cancellationToken)
    {
        var added = false;
        var removed = false;
        var index = await state.UpdateAsync<EdgeIndex>(Key(kind, id), "edges", current =>
        {
            var next = current ?? new EdgeIndex();
            next.Edges.TryGetValue(edgeId, out var count);
            var updated = Math.Max(0, count + delta);
            added = count == 0 && updated > 0;
            removed = count > 0 && updated == 0;
            if (updated == 0)
            {
                next.Edges.Remove(edgeId);
            }
            else
            {
                next.Edges[edgeId] = updated;
            }

            next.Users = Math.Max(0, next.Users + userDelta);
            return (next, true);
        }, cancellationToken) ?? new EdgeIndex();

        if (added)
        {
            await TrackAsync(kind, id, edgeId, cancellationToken);
        }
        else if (removed)
        {
            await UntrackAsync(kind, id, edgeId, cancellationToken);
        }

        return new IndexChange(index, added, removed);
    }

    /// <summary>Removes an edge from a room or channel index whatever its count (the edge is gone).</summary>
    public Task RemoveEdgeAsync(IndexKind kind, string id, string edgeId, CancellationToken cancellationToken) =>
        state.UpdateAsync<EdgeIndex>(Key(kind, id), "edges", current =>
            current is not null && current.Edges.Remove(edgeId) ? (current, true) : (current, false), cancellationToken);

    /// <summary>Adds a room or channel to an edge's reverse record (before the index lists the edge).</summary>
    public Task TrackAsync(IndexKind kind, string id, string edgeId, CancellationToken cancellationToken) =>
        state.UpdateAsync<EdgeRecord>(StateKeys.Edge(edgeId), "edge", current =>
        {
            var next = current ?? new EdgeRecord();
            return (next, Set(next, kind).Add(id));
        }, cancellationToken);

    // The reverse record must stay a superset of what the indexes hold, or a dead edge would keep
    // receiving deliveries for a room it was not tracked in: after removing, look again, and put the
    // room back if a join on that edge came in between.
    public async Task UntrackAsync(IndexKind kind, string id, string edgeId, CancellationToken cancellationToken)
    {
        await state.UpdateAsync<EdgeRecord>(StateKeys.Edge(edgeId), "edge", current =>
            current is not null && Set(current, kind).Remove(id) ? (current, true) : (current, false), cancellationToken);
        var index = await ReadAsync(kind, id, cancellationToken);
        if (index.Edges.ContainsKey(edgeId))
        {
            await TrackAsync(kind, id, edgeId, cancellationToken);
        }
    }

    private static HashSet<string> Set(EdgeRecord record, IndexKind kind) =>
        kind == IndexKind.Room ? record.Rooms : record.Channels;
}
