using Suite.Presence.Memory;
using Suite.ServiceDefaults.State;

namespace Suite.Presence.State;

/// <summary>
/// The edge registry record: read from memory while this process is sure of it, else from the
/// store; every change is an ETag-guarded read-modify-write in the store that memory then follows.
/// </summary>
public sealed class LeaseRegistry(StateStore store, PresenceMemory memory)
{
    private const string Kind = "edge-registry";

    public async Task<EdgeRegistry> ReadAsync(CancellationToken cancellationToken, bool fromStore = false)
    {
        if (!fromStore && memory.IsSure)
        {
            return memory.Registry;
        }

        var registry = await store.GetAsync<EdgeRegistry>(StateKeys.Edges, cancellationToken) ?? new EdgeRegistry();
        memory.Remember(registry);
        return registry;
    }

    /// <summary>
    /// Applies <paramref name="change"/> until a save wins. It runs once per attempt on a fresh copy,
    /// so it must derive everything it reports from the registry it is given.
    /// </summary>
    public async Task<TResult> UpdateAsync<TResult>(Func<EdgeRegistry, (bool Changed, TResult Result)> change, CancellationToken cancellationToken)
    {
        TResult result = default!;
        var next = await store.UpdateAsync<EdgeRegistry>(StateKeys.Edges, Kind, current =>
        {
            var registry = current ?? new EdgeRegistry();
            (var changed, result) = change(registry);
            if (changed)
            {
                registry.Revision++;
            }

            return (registry, changed);
        }, cancellationToken);
        memory.Remember(next!);
        return result;
    }

    /// <summary>
    /// Lists this process among the lease's index writers before it indexes a connection, so whoever
    /// ends the lease finds that connection. Null when the lease is no longer the edge's live one.
    /// </summary>
    public async Task<EdgeLeaseRecord?> JoinAsWriterAsync(EdgeLeaseRecord lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (lease.Writers.Contains(memory.WriterId))
        {
            return lease;
        }

        return await UpdateAsync(registry =>
        {
            if (registry.LiveLease(lease.EdgeId, now) is not { } current || current.LeaseId != lease.LeaseId)
            {
                return (false, (EdgeLeaseRecord?)null);
            }

            var added = !current.Writers.Contains(memory.WriterId);
            if (added)
            {
                current.Writers.Add(memory.WriterId);
            }

            return (added, current);
        }, cancellationToken);
    }
}
