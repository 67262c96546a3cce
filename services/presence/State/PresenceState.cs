using Dapr.Client;
using Microsoft.Extensions.Options;
using Suite.ServiceDefaults;

namespace Suite.Presence.State;

/// <summary>
/// Presence's records in the Dapr state store. Every write is an optimistic read-modify-write: read
/// the value and its ETag, change it, save it with that ETag, and on a mismatch read again. Saves use
/// first-write concurrency with the ETag as read ("" for a missing key), which both state.redis and
/// state.in-memory treat as "only if still missing", so two first writers cannot overwrite each other.
/// </summary>
public sealed class PresenceState(DaprClient dapr, IOptions<PresenceOptions> options, PresenceMetrics metrics)
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public async Task<T?> ReadAsync<T>(string key, CancellationToken cancellationToken)
        where T : class =>
        await dapr.GetStateAsync<T>(DaprNames.StateStore, key, cancellationToken: cancellationToken);

    public async Task<EdgeRegistry> ReadRegistryAsync(CancellationToken cancellationToken) =>
        await ReadAsync<EdgeRegistry>(StateKeys.Edges, cancellationToken) ?? new EdgeRegistry();

    /// <summary>Many records in one call; a missing key yields null at its position.</summary>
    public async Task<IReadOnlyList<T?>> ReadManyAsync<T>(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        where T : class
    {
        if (keys.Count == 0)
        {
            return [];
        }

        var items = await dapr.GetBulkStateAsync<T>(DaprNames.StateStore, keys, parallelism: null, cancellationToken: cancellationToken);
        var byKey = new Dictionary<string, T?>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            byKey[item.Key] = item.Value;
        }

        return keys.Select(key => byKey.GetValueOrDefault(key)).ToArray();
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current value (a new one when the key is missing) until
    /// a save wins. <paramref name="change"/> runs once per attempt on a fresh copy, so it must derive
    /// everything it reports from the value it is given.
    /// </summary>
    public async Task<TResult> UpdateAsync<T, TResult>(string key, string kind, Func<T, Update<TResult>> change, CancellationToken cancellationToken)
        where T : class, new()
    {
        var maxAttempts = options.Value.MaxUpdateAttempts;
        for (var attempt = 1; ; attempt++)
        {
            var (value, etag) = await dapr.GetStateAndETagAsync<T>(DaprNames.StateStore, key, cancellationToken: cancellationToken);
            var current = value ?? new T();
            var update = change(current);
            if (!update.Write)
            {
                return update.Result;
            }

            if (await dapr.TrySaveStateAsync(DaprNames.StateStore, key, current, etag ?? "", FirstWrite, cancellationToken: cancellationToken))
            {
                return update.Result;
            }

            metrics.UpdateConflicts.Add(1, new KeyValuePair<string, object?>("record", kind));
            if (attempt >= maxAttempts)
            {
                throw new StateContentionException(key, attempt);
            }

            // Jitter spreads writers that collided so the next round has one winner instead of all
            // losing again. It is contention spacing, not business time, hence the real clock.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, Math.Min(2 + attempt, 20))), cancellationToken);
        }
    }
}
