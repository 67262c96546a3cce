using Suite.Room.State;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Fanout;

/// <summary>
/// The room -> edges and channel -> edges indexes (member connections per edge, one small record
/// per room or channel) and the reverse edge -> rooms/channels record that lets a dead edge be
/// dropped without scanning every room.
/// </summary>
internal sealed class EdgeIndexes(StateStore state, EdgeRecordWrites records)
{
    public static string Key(IndexKind kind, string id) =>
        kind == IndexKind.Room ? StateKeys.RoomEdges(id) : StateKeys.ChannelEdges(id);

    public async Task<EdgeIndex> ReadAsync(IndexKind kind, string id, CancellationToken cancellationToken) =>
        await state.GetAsync<EdgeIndex>(Key(kind, id), cancellationToken) ?? new EdgeIndex();

    /// <summary>Adds <paramref name="delta"/> member connections on an edge (and <paramref name="userDelta"/> distinct users).</summary>
    public Task<IndexChange> ChangeAsync(IndexKind kind, string id, string edgeId, int delta, long userDelta, CancellationToken cancellationToken) =>
        UpdateCountAsync(kind, id, edgeId, (count, counted) => (count + delta, counted), userDelta, cancellationToken);

    /// <summary>
    /// Counts one more connection on an edge, made under <paramref name="lease"/>. A lease later than
    /// the one the edge's count was built under starts the count again at one: the earlier lease
    /// ended, and the edge counts its connections again as it replays them under the new one.
    /// </summary>
    public Task<IndexChange> CountAsync(IndexKind kind, string id, string edgeId, LeaseTag? lease, CancellationToken cancellationToken) =>
        UpdateCountAsync(kind, id, edgeId, (count, counted) => LeaseTag.Supersedes(lease, counted) ? (1, lease) : (count + 1, counted), 0, cancellationToken);

    /// <summary>Counts one connection fewer on an edge, if it was counted under the lease the count is built under now.</summary>
    public Task<IndexChange> UncountAsync(IndexKind kind, string id, string edgeId, LeaseTag? lease, CancellationToken cancellationToken) =>
        UpdateCountAsync(kind, id, edgeId, (count, counted) => Equals(lease, counted) ? (count - 1, counted) : (count, counted), 0, cancellationToken);

    private async Task<IndexChange> UpdateCountAsync(IndexKind kind, string id, string edgeId, Func<int, LeaseTag?, (int Count, LeaseTag? Lease)> change, long userDelta, CancellationToken cancellationToken)
    {
        var added = false;
        var removed = false;
        var index = await state.UpdateAsync<EdgeIndex>(Key(kind, id), "edges", current =>
        {
            var next = current ?? new EdgeIndex();
            next.Edges.TryGetValue(edgeId, out var count);
            var (changed, lease) = change(count, next.Leases?.GetValueOrDefault(edgeId));
            var updated = Math.Max(0, changed);
            added = count == 0 && updated > 0;
            removed = count > 0 && updated == 0;
            if (updated == 0)
            {
                next.Edges.Remove(edgeId);
                SetLease(next, edgeId, null);
            }
            else
            {
                next.Edges[edgeId] = updated;
                SetLease(next, edgeId, lease);
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

    /// <summary>
    /// Removes an edge from a room or channel index whatever its count, if the ended lease
    /// <paramref name="ended"/> (null: every lease) covers the lease its count was built under.
    /// True when the index no longer lists the edge.
    /// </summary>
    public async Task<bool> RemoveEdgeAsync(IndexKind kind, string id, string edgeId, LeaseTag? ended, CancellationToken cancellationToken)
    {
        var gone = true;
        await state.UpdateAsync<EdgeIndex>(Key(kind, id), "edges", current =>
        {
            if (current is null || !current.Edges.ContainsKey(edgeId))
            {
                gone = true;
                return (current, false);
            }

            gone = LeaseTag.Covers(ended, current.Leases?.GetValueOrDefault(edgeId));
            if (gone)
            {
                current.Edges.Remove(edgeId);
                SetLease(current, edgeId, null);
            }

            return (current, gone);
        }, cancellationToken);
        return gone;
    }

    /// <summary>Adds a room or channel to an edge's reverse record (before the index lists the edge).</summary>
    public Task TrackAsync(IndexKind kind, string id, string edgeId, CancellationToken cancellationToken) =>
        records.ChangeAsync(edgeId, kind, id, add: true, cancellationToken);

    // The reverse record must stay a superset of what the indexes hold, or a dead edge would keep
    // receiving deliveries for a room it was not tracked in: after removing, look again, and put the
    // room back if a join on that edge came in between.
    public async Task UntrackAsync(IndexKind kind, string id, string edgeId, CancellationToken cancellationToken)
    {
        await records.ChangeAsync(edgeId, kind, id, add: false, cancellationToken);
        var index = await ReadAsync(kind, id, cancellationToken);
        if (index.Edges.ContainsKey(edgeId))
        {
            await TrackAsync(kind, id, edgeId, cancellationToken);
        }
    }

    private static void SetLease(EdgeIndex index, string edgeId, LeaseTag? lease)
    {
        if (lease is not null)
        {
            (index.Leases ??= new Dictionary<string, LeaseTag>(StringComparer.Ordinal))[edgeId] = lease;
        }
        else if (index.Leases is not null && index.Leases.Remove(edgeId) && index.Leases.Count == 0)
        {
            index.Leases = null;
        }
    }
}
