using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace Suite.ServiceDefaults.State;

/// <summary>
/// Reads and ETag-guarded writes on the Dapr state store <see cref="DaprNames.StateStore"/>, portable
/// across state.in-memory (UUID etags; an etag on a missing key fails) and state.redis (integer
/// etags; an etag on a missing key succeeds): a missing key is created with first-write concurrency
/// and no etag, which both stores treat as "only if still missing", so two creators cannot both win.
/// </summary>
public sealed class StateStore(DaprClient dapr, StateStoreLimits limits)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };
    private readonly KeyedLock _writers = new();

    /// <summary>Takes this process's turn to read-modify-write <paramref name="key"/> (see <see cref="KeyedLock"/>).</summary>
    public Task<IDisposable> TurnAsync(string key, CancellationToken cancellationToken) => _writers.AcquireAsync(key, cancellationToken);

    /// <summary>The value and its etag; "" as the etag when the key is missing.</summary>
    public async Task<(T? Value, string ETag)> ReadAsync<T>(string key, CancellationToken cancellationToken)
        where T : class
    {
        var (value, etag) = await dapr.GetStateAndETagAsync<T>(DaprNames.StateStore, key, cancellationToken: cancellationToken);
        return (value, etag ?? "");
    }

    public async Task<T?> GetAsync<T>(string key, CancellationToken cancellationToken)
        where T : class =>
        (await ReadAsync<T>(key, cancellationToken)).Value;

    /// <summary>Values of many keys in one call; missing keys are absent from the result.</summary>
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
        dapr.TrySaveStateAsync(DaprNames.StateStore, key, value, etag, FirstWrite, StateChange.TtlMetadata(ttl), cancellationToken);

    /// <summary>
    /// Read-modify-write with ETags and bounded attempts, writers of <paramref name="key"/> in this
    /// process taking turns. <paramref name="mutate"/> gets the current value (null if missing) and
    /// returns the new one (null = delete) and whether anything changed; it may run several times and
    /// must not have side effects. Returns the value now stored (or, unchanged, what mutate returned).
    /// </summary>
    /// <exception cref="StateContentionException">Every attempt lost to a concurrent writer.</exception>
    public async Task<T?> UpdateAsync<T>(string key, string kind, Func<T?, (T? Next, bool Changed)> mutate, CancellationToken cancellationToken, TimeSpan? ttl = null)
        where T : class
    {
        using var turn = await TurnAsync(key, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var (current, etag) = await ReadAsync<T>(key, cancellationToken);
            var (next, changed) = mutate(current);
            if (!changed)
            {
                return next;
            }

            var saved = next is null
                ? current is null || await dapr.TryDeleteStateAsync(DaprNames.StateStore, key, etag, cancellationToken: cancellationToken)
                : await TryWriteAsync(key, next, current is null ? "" : etag, cancellationToken, ttl);
            if (saved)
            {
                return next;
            }

            await ConflictAsync(key, kind, attempt, cancellationToken);
        }
    }

    /// <summary>
    /// Counts a lost attempt, and throws <see cref="StateContentionException"/> after the last one or
    /// waits <see cref="BackoffAsync"/>: for callers that run their own read-write loop (e.g. around
    /// <see cref="TransactAsync"/>).
    /// </summary>
    public Task ConflictAsync(string key, string kind, int attempt, CancellationToken cancellationToken)
    {
        limits.OnConflict?.Invoke(kind);
        return attempt >= limits.MaxAttempts
            ? Task.FromException(new StateContentionException(key, attempt))
            : BackoffAsync(attempt, cancellationToken);
    }

    /// <summary>
    /// All <paramref name="changes"/> in one ExecuteStateTransaction. Read the remarks of
    /// <see cref="StateTransactionFailedException"/> before relying on its atomicity.
    /// </summary>
    /// <exception cref="StateTransactionFailedException">The store refused the transaction (ETag mismatch or store error).</exception>
    public async Task TransactAsync(IReadOnlyList<StateChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var operations = changes.Select(change => new StateTransactionRequest(
            change.Key,
            change.IsDelete ? null : JsonSerializer.SerializeToUtf8Bytes(change.Value, change.Value!.GetType(), Json),
            change.IsDelete ? StateOperationType.Delete : StateOperationType.Upsert,
            change.ETag,
            StateChange.TtlMetadata(change.Ttl))).ToList();
        try
        {
            await dapr.ExecuteStateTransactionAsync(DaprNames.StateStore, operations, cancellationToken: cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Internal or StatusCode.Aborted })
        {
            throw new StateTransactionFailedException(changes.Count, ex);
        }
    }

    /// <summary>
    /// A random pause that grows with <paramref name="attempt"/> up to the limit, so writers that
    /// collided do not collide again in lockstep. It is contention spacing, not business time, hence
    /// the real clock even where the service's TimeProvider is faked.
    /// </summary>
    public async Task BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var max = limits.MaxBackoff.TotalMilliseconds * Math.Min(1.0, attempt / 8.0);
        var pause = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * max);
        if (pause <= TimeSpan.FromMilliseconds(1))
        {
            await Task.Yield();
            return;
        }

        await Task.Delay(pause, cancellationToken);
    }
}
