using System.Globalization;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Microsoft.Extensions.Options;
using Suite.ServiceDefaults;

namespace Suite.Room.State;

/// <summary>
/// Reads and ETag-guarded writes on the Dapr state store, portable across state.in-memory (UUID
/// etags; an etag on a missing key fails) and state.redis (integer etags; an etag on a missing key
/// succeeds): a missing key is created with first-write concurrency and no etag, so two creators
/// cannot both win on either store.
/// </summary>
internal sealed class StateStore(DaprClient dapr, IOptions<RoomOptions> options, RoomMetrics metrics, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };
    private readonly KeyedLock _writers = new();

    /// <summary>Takes this instance's turn to read-modify-write <paramref name="key"/> (see <see cref="KeyedLock"/>).</summary>
    public Task<IDisposable> TurnAsync(string key, CancellationToken cancellationToken) => _writers.AcquireAsync(key, cancellationToken);

    public async Task<(T? Value, string ETag)> ReadAsync<T>(string key, CancellationToken cancellationToken)
        where T : class
    {
        var (value, etag) = await dapr.GetStateAndETagAsync<T>(DaprNames.StateStore, key, cancellationToken: cancellationToken);
        return (value, etag ?? "");
    }

    public async Task<T?> GetAsync<T>(string key, CancellationToken cancellationToken)
        where T : class =>
        (await ReadAsync<T>(key, cancellationToken)).Value;

    /// <summary>Values of many keys in one call; a missing key maps to null.</summary>
    public async Task<IReadOnlyDictionary<string, T>> GetManyAsync<T>(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        where T : class
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return result;
        }

        var items = await dapr.GetBulkStateAsync(DaprNames.StateStore, keys, parallelism: 16, cancellationToken: cancellationToken);
        foreach (var item in items)
        {
            if (!string.IsNullOrEmpty(item.Value) && JsonSerializer.Deserialize<T>(item.Value, Json) is { } value)
            {
                result[item.Key] = value;
            }
        }

        return result;
    }

    /// <summary>Saves when the stored etag is still <paramref name="etag"/>; "" = only if the key is missing.</summary>
    public Task<bool> TryWriteAsync<T>(string key, T value, string etag, CancellationToken cancellationToken, TimeSpan? ttl = null) =>
        dapr.TrySaveStateAsync(DaprNames.StateStore, key, value, etag, FirstWrite, Ttl(ttl), cancellationToken);

    /// <summary>Several unconditional upserts in one round trip, for keys never created with first-write (history slots).</summary>
    public Task WriteManyAsync(IReadOnlyList<(string Key, object Value)> values, CancellationToken cancellationToken)
    {
        var operations = values
            .Select(v => new StateTransactionRequest(v.Key, JsonSerializer.SerializeToUtf8Bytes(v.Value, Json), StateOperationType.Upsert))
            .ToList();
        return dapr.ExecuteStateTransactionAsync(DaprNames.StateStore, operations, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Several upserts and deletes in one state transaction. On Redis an ETag miss fails only its own
    /// operation and the others still land (no rollback), and every failure is reported alike, so a
    /// caller that fences with an ETag must find out afterwards what happened.
    /// </summary>
    /// <exception cref="StateTransactionFailedException">Any failure of the transaction.</exception>
    public async Task TransactAsync(IReadOnlyList<StateChange> changes, CancellationToken cancellationToken)
    {
        var operations = new List<StateTransactionRequest>(changes.Count);
        foreach (var change in changes)
        {
            var value = change.Value is null ? null : JsonSerializer.SerializeToUtf8Bytes(change.Value, change.Value.GetType(), Json);
            var type = change.Value is null ? StateOperationType.Delete : StateOperationType.Upsert;
            operations.Add(new StateTransactionRequest(change.Key, value, type, string.IsNullOrEmpty(change.ETag) ? null : change.ETag, Ttl(change.Ttl)));
        }

        try
        {
            await dapr.ExecuteStateTransactionAsync(DaprNames.StateStore, operations, cancellationToken: cancellationToken);
        }
        catch (DaprException ex)
        {
            throw new StateTransactionFailedException(changes.Count > 0 ? changes[0].Key : "", ex);
        }
    }

    /// <summary>
    /// Read-modify-write with ETags and bounded retries. <paramref name="mutate"/> gets the current
    /// value (null if missing) and returns the new one (null = delete) and whether anything changed;
    /// it may run several times and must not have side effects.
    /// </summary>
    /// <exception cref="ConcurrencyExhaustedException">Every attempt lost to a concurrent writer.</exception>
    public async Task<T?> UpdateAsync<T>(string key, string kind, Func<T?, (T? Next, bool Changed)> mutate, CancellationToken cancellationToken, TimeSpan? ttl = null)
        where T : class
    {
        var limit = options.Value.MaxConcurrencyRetries;
        using var turn = await TurnAsync(key, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await ReadAsync<T>(key, cancellationToken);
            var (next, changed) = mutate(current);
            if (!changed)
            {
                return next;
            }

            bool saved;
            if (next is null)
            {
                saved = current is null || await dapr.TryDeleteStateAsync(DaprNames.StateStore, key, etag, cancellationToken: cancellationToken);
            }
            else
            {
                saved = await TryWriteAsync(key, next, current is null ? "" : etag, cancellationToken, ttl);
            }

            if (saved)
            {
                return next;
            }

            metrics.ConcurrencyConflicts.Add(1, new KeyValuePair<string, object?>("kind", kind));
            if (attempt >= limit)
            {
                throw new ConcurrencyExhaustedException(key, attempt);
            }

            await BackoffAsync(attempt, cancellationToken);
        }
    }

    // Random and growing, so writers that collided do not collide again in lockstep.
    public async Task BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxRetryBackoff.TotalMilliseconds * Math.Min(1.0, attempt / 8.0);
        var pause = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * max);
        if (pause <= TimeSpan.FromMilliseconds(1))
        {
            await Task.Yield();
            return;
        }

        await Task.Delay(pause, time, cancellationToken);
    }

    private static Dictionary<string, string>? Ttl(TimeSpan? ttl) =>
        ttl is { } t ? new Dictionary<string, string> { ["ttlInSeconds"] = Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) } : null;
}
