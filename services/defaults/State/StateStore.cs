using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dapr;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Grpc.Core;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.State;

/// <summary>
/// Reads and ETag-guarded writes on the Dapr state store <see cref="DaprNames.StateStore"/>, portable
/// across state.in-memory (UUID etags; an etag on a missing key fails) and state.redis (integer
/// etags; an etag on a missing key succeeds): a missing key is created with first-write concurrency
/// and no etag, which both stores treat as "only if still missing", so two creators cannot both win.
/// </summary>
/// <remarks>
/// Values are JSON with System.Text.Json's web defaults, the settings DaprClient stored them with, so
/// records written through either read alike. A service passes its source-generated context for the
/// types it stores (<see cref="StateStoreApp.AddStateStore"/>); a type missing from it still
/// serialises the same way, by reflection once per type.
/// </remarks>
public sealed class StateStore
{
    private const string PayloadFailed = "State operation failed: the state payload could not be deserialized. See InnerException for details.";
    private const int BulkParallelism = 16;

    private static readonly StateOptions FirstWrite = new() { Concurrency = StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite };
    private readonly SidecarClient _sidecar;
    private readonly StateStoreLimits _limits;
    private readonly JsonSerializerOptions _json;
    private readonly KeyedLock _writers = new();
    private readonly UnconditionalTransactions _unconditional;

    public StateStore(SidecarClient sidecar, StateStoreLimits limits, IJsonTypeInfoResolver? types = null)
    {
        _sidecar = sidecar;
        _limits = limits;
        _json = SerializerOptions(types);
        _unconditional = new UnconditionalTransactions(this);
    }

    /// <summary>How a store given <paramref name="types"/> serialises values (for tests that pin the stored bytes).</summary>
    public static JsonSerializerOptions SerializerOptions(IJsonTypeInfoResolver? types)
    {
        var reflection = new DefaultJsonTypeInfoResolver();
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = types is null ? reflection : JsonTypeInfoResolver.Combine(types, reflection),
        };
        json.MakeReadOnly();
        return json;
    }

    /// <summary>Takes this process's turn to read-modify-write <paramref name="key"/> (see <see cref="KeyedLock"/>).</summary>
    public Task<IDisposable> TurnAsync(string key, CancellationToken cancellationToken) => _writers.AcquireAsync(key, cancellationToken);

    /// <summary>The value and its etag; "" as the etag when the key is missing.</summary>
    public async Task<(T? Value, string ETag)> ReadAsync<T>(string key, CancellationToken cancellationToken)
        where T : class
    {
        var response = await _sidecar.GetStateAsync(DaprNames.StateStore, key, cancellationToken);
        try
        {
            return (Deserialize<T>(response.Data.Span), response.Etag ?? "");
        }
        catch (JsonException ex)
        {
            throw new DaprException(PayloadFailed, ex);
        }
    }

    public async Task<T?> GetAsync<T>(string key, CancellationToken cancellationToken)
        where T : class =>
        (await ReadAsync<T>(key, cancellationToken)).Value;

    /// <summary>Values of many keys in one call; missing keys are absent from the result.</summary>
    /// <exception cref="DaprException">The call failed, or the store failed to read one of the keys.</exception>
    public async Task<IReadOnlyDictionary<string, T>> GetManyAsync<T>(IReadOnlyList<string> keys, CancellationToken cancellationToken)
        where T : class
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return result;
        }

        foreach (var item in await _sidecar.GetBulkStateAsync(DaprNames.StateStore, keys, BulkParallelism, cancellationToken))
        {
            // daprd (and the emulator) answer a key it failed to read with an error on that item and
            // no data, which must not read as a missing key: a room loaded without one of its member
            // shards, or a presence without a user, would go on from a partial view.
            if (item.Error.Length > 0)
            {
                throw new DaprException(
                    $"State operation failed: the store could not read key '{item.Key}': {item.Error}",
                    new RpcException(new Status(StatusCode.Unavailable, $"key '{item.Key}': {item.Error}")));
            }

            if (Deserialize<T>(item.Data.Span) is { } value)
            {
                result[item.Key] = value;
            }
        }

        return result;
    }

    /// <summary>Saves when the stored etag is still <paramref name="etag"/>; "" = only if the key is missing.</summary>
    public Task<bool> TryWriteAsync<T>(string key, T value, string etag, CancellationToken cancellationToken, TimeSpan? ttl = null)
    {
        var item = Item(key, value is null ? null : Serialize(value, typeof(T)), etag, ttl);
        item.Options = FirstWrite;
        return _sidecar.SaveStateAsync(DaprNames.StateStore, item, cancellationToken);
    }

    /// <summary>Saves unconditionally (last write wins).</summary>
    public Task SaveAsync<T>(string key, T value, CancellationToken cancellationToken, TimeSpan? ttl = null) =>
        _sidecar.SaveStateAsync(DaprNames.StateStore, Item(key, value is null ? null : Serialize(value, typeof(T)), etag: null, ttl), cancellationToken);

    /// <summary>Deletes unconditionally; a missing key is not an error.</summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        _sidecar.DeleteStateAsync(new DeleteStateRequest { StoreName = DaprNames.StateStore, Key = key }, cancellationToken);

    /// <summary>
    /// Read-modify-write with ETags and bounded attempts, writers of <paramref name="key"/> in this
    /// process taking turns. <paramref name="mutate"/> gets the current value (null if missing) and
    /// returns the new one (null = delete) and whether anything changed; it may run several times and
    /// must not have side effects. Returns the value now stored (or, unchanged, what mutate returned).
    /// The key's TTL is <paramref name="ttlOf"/> of the new value when given (a record whose lifetime
    /// depends on what it holds), else <paramref name="ttl"/>.
    /// </summary>
    /// <exception cref="StateContentionException">Every attempt lost to a concurrent writer.</exception>
    public async Task<T?> UpdateAsync<T>(string key, string kind, Func<T?, (T? Next, bool Changed)> mutate, CancellationToken cancellationToken, TimeSpan? ttl = null, Func<T, TimeSpan?>? ttlOf = null)
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
                ? current is null || await _sidecar.DeleteStateAsync(new DeleteStateRequest { StoreName = DaprNames.StateStore, Key = key, Etag = new Etag { Value = etag } }, cancellationToken)
                : await TryWriteAsync(key, next, current is null ? "" : etag, cancellationToken, ttlOf is null ? ttl : ttlOf(next));
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
        _limits.OnConflict?.Invoke(kind);
        return attempt >= _limits.MaxAttempts
            ? Task.FromException(new StateContentionException(key, attempt))
            : BackoffAsync(attempt, cancellationToken);
    }

    /// <summary>
    /// All <paramref name="changes"/> in one ExecuteStateTransaction. Read the remarks of
    /// <see cref="StateTransactionFailedException"/> before relying on its atomicity.
    /// </summary>
    /// <remarks>
    /// A transaction without etags may share its ExecuteStateTransaction with others made while one
    /// is in flight (<see cref="UnconditionalTransactions"/>): a connect storm then costs one sidecar
    /// round trip per batch instead of one per connection. The caller's changes still commit
    /// together, in its order, and a failure is reported only to the transaction that caused it.
    /// </remarks>
    /// <exception cref="StateTransactionFailedException">The store refused the transaction (ETag mismatch or store error).</exception>
    public async Task TransactAsync(IReadOnlyList<StateChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var operations = changes.Select(Operation).ToArray();
        if (changes.Any(c => c.ETag is not null))
        {
            await ExecuteAsync(operations, cancellationToken);
            return;
        }

        await _unconditional.CommitAsync(operations, cancellationToken);
    }

    /// <summary>One ExecuteStateTransaction of exactly these operations.</summary>
    internal async Task ExecuteAsync(IReadOnlyCollection<TransactionalStateOperation> operations, CancellationToken cancellationToken)
    {
        var request = new ExecuteStateTransactionRequest { StoreName = DaprNames.StateStore, Operations = { operations } };
        try
        {
            await _sidecar.ExecuteStateTransactionAsync(request, cancellationToken);
        }
        catch (DaprException ex) when (ex.InnerException is RpcException { StatusCode: StatusCode.Internal or StatusCode.Aborted })
        {
            throw new StateTransactionFailedException(operations.Count, ex);
        }
    }

    /// <summary>
    /// A random pause that grows with <paramref name="attempt"/> up to the limit, so writers that
    /// collided do not collide again in lockstep. It is contention spacing, not business time, hence
    /// the real clock even where the service's TimeProvider is faked.
    /// </summary>
    public async Task BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var max = _limits.MaxBackoff.TotalMilliseconds * Math.Min(1.0, attempt / 8.0);
        var pause = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * max);
        if (pause <= TimeSpan.FromMilliseconds(1))
        {
            await Task.Yield();
            return;
        }

        await Task.Delay(pause, cancellationToken);
    }

    // Serialised now: the caller may change its objects once the call returns, and a batched
    // transaction is sent later.
    private TransactionalStateOperation Operation(StateChange change) => new()
    {
        OperationType = change.IsDelete ? "delete" : "upsert",
        Request = Item(change.Key, change.IsDelete ? null : Serialize(change.Value, change.Value!.GetType()), change.ETag, change.Ttl),
    };

    // An etag of null sends none; "" is sent as an etag (first-write's "only if missing").
    private static StateItem Item(string key, ByteString? value, string? etag, TimeSpan? ttl)
    {
        var item = new StateItem { Key = key };
        if (value is not null)
        {
            item.Value = value;
        }

        if (etag is not null)
        {
            item.Etag = new Etag { Value = etag };
        }

        if (StateChange.TtlMetadata(ttl) is { } metadata)
        {
            item.Metadata.Add(metadata);
        }

        return item;
    }

    // The bytes are the request's own from here on, so they are wrapped rather than copied.
    private ByteString Serialize(object? value, Type type) =>
        UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(value, _json.GetTypeInfo(type)));

    private T? Deserialize<T>(ReadOnlySpan<byte> json)
        where T : class =>
        json.IsEmpty ? null : (T?)JsonSerializer.Deserialize(json, _json.GetTypeInfo(typeof(T)));
}
