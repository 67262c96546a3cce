using System.Collections.Concurrent;
using Suite.Room.State;
using Suite.ServiceDefaults.Batching;
using Suite.ServiceDefaults.State;

namespace Suite.Room.Fanout;

/// <summary>
/// Adds rooms and channels to an edge's reverse record (edge -> rooms/channels) and removes them,
/// one read-modify-write per edge at a time carrying every change queued meanwhile. The first joins
/// of a fresh system or of a new edge track that edge for every room at once: one write each, taking
/// turns on the one record, cost 20 rooms 40 sidecar round trips before their first join could commit.
/// </summary>
internal sealed class EdgeRecordWrites(StateStore state, TimeProvider time)
{
    // The write carries several callers' changes, so no one caller's token bounds it.
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    private readonly StateStore _state = state;
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<string, EdgeLane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Completes once a write that includes this change is stored (or fails with that write).</summary>
    public Task ChangeAsync(string edgeId, IndexKind kind, string id, bool add, CancellationToken cancellationToken) =>
        _lanes.GetOrAdd(edgeId, static (edge, writes) => new EdgeLane(edge, writes), this)
            .Enqueue(new Change(kind, id, add))
            .WaitAsync(cancellationToken);

    private readonly record struct Change(IndexKind Kind, string Id, bool Add);

    private sealed class EdgeLane
    {
        private readonly string _edgeId;
        private readonly EdgeRecordWrites _writes;
        private readonly CoalescingLane<Change> _lane;

        public EdgeLane(string edgeId, EdgeRecordWrites writes)
        {
            _edgeId = edgeId;
            _writes = writes;
            _lane = new CoalescingLane<Change>(WriteAsync);
        }

        public Task Enqueue(Change change) => _lane.Enqueue(change);

        private async Task WriteAsync(IReadOnlyList<Change> changes)
        {
            using var timeout = new CancellationTokenSource(WriteTimeout, _writes._time);
            await _writes._state.UpdateAsync<EdgeRecord>(StateKeys.Edge(_edgeId), "edge", current => Apply(current, changes), timeout.Token);
        }

        // Runs again on an ETag conflict with another replica, so it starts from the record it is given.
        private static (EdgeRecord? Next, bool Changed) Apply(EdgeRecord? current, IReadOnlyList<Change> changes)
        {
            var next = current ?? new EdgeRecord();
            var changed = false;
            foreach (var change in changes)
            {
                var set = change.Kind == IndexKind.Room ? next.Rooms : next.Channels;
                changed |= change.Add ? set.Add(change.Id) : set.Remove(change.Id);
            }

            return (next, changed);
        }
    }
}
