using Suite.Presence.State;
using Suite.ServiceDefaults.State;

namespace Suite.Presence.Memory;

/// <summary>
/// Fills <see cref="PresenceMemory"/> from the store: the registry, then every live lease's index,
/// then the records of the users it lists. Users not listed under a live lease have no connection
/// that counts, so memory need not hold them.
/// </summary>
public sealed class MemoryLoader(StateStore store, PresenceMemory memory, LeaseRegistry registry, EdgeIndex index, TimeProvider time)
{
    // Users per bulk read: bounds one sidecar call, however many users are online.
    private const int Batch = 500;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        memory.ForgetUsers();
        var edges = await registry.ReadAsync(cancellationToken, fromStore: true);
        var now = time.GetUtcNow();
        var userIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in edges.Edges.Values.Where(lease => lease.IsLive(now)))
        {
            foreach (var (_, entry) in await index.ReadAsync(lease.LeaseId, lease.Writers, cancellationToken))
            {
                userIds.Add(entry.UserId);
            }
        }

        foreach (var chunk in userIds.Chunk(Batch))
        {
            foreach (var (key, record) in await store.GetManyAsync<UserRecord>(chunk.Select(StateKeys.User).ToArray(), cancellationToken))
            {
                memory.Remember(key[StateKeys.User("").Length..], record);
            }
        }

        memory.Loaded();
    }
}
