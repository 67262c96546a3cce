namespace Suite.DaprEmulator.State;

/// <summary>
/// A state store as components-contrib shapes it. Keys arrive already prefixed by the emulator
/// (<c>appId||key</c>), exactly as daprd prefixes them, so data written by the emulator and by daprd
/// is interchangeable.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    Task InitAsync(CancellationToken cancellationToken);

    /// <summary>Returns null when the key does not exist (or has expired).</summary>
    Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken);

    /// <exception cref="StateETagMismatchException">The etag does not match the stored version.</exception>
    /// <exception cref="StateETagInvalidException">The etag cannot be a version of this store.</exception>
    Task SetAsync(StateSetRequest request, CancellationToken cancellationToken);

    /// <exception cref="StateETagMismatchException">The etag does not match the stored version.</exception>
    /// <exception cref="StateETagInvalidException">The etag cannot be a version of this store.</exception>
    Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken);

    /// <summary>Applies the operations as the store's <c>Multi</c> does (Redis: no rollback; in-memory: atomic).</summary>
    Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken);
}

public sealed record StateEntry(ReadOnlyMemory<byte> Data, string ETag, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Mirrors <c>common.v1.StateOptions.StateConcurrency</c>; unspecified behaves as last-write.</summary>
public enum StateConcurrency
{
    Unspecified = 0,
    FirstWrite = 1,
    LastWrite = 2,
}

/// <param name="ETag">Null when the caller sent none; an empty string is kept as sent.</param>
/// <param name="Metadata">Request metadata; <c>ttlInSeconds</c> sets a per-key TTL.</param>
public sealed record StateSetRequest(
    string Key,
    ReadOnlyMemory<byte> Value,
    string? ETag,
    StateConcurrency Concurrency,
    IReadOnlyDictionary<string, string> Metadata);

public sealed record StateDeleteRequest(
    string Key,
    string? ETag,
    StateConcurrency Concurrency,
    IReadOnlyDictionary<string, string> Metadata);

public abstract record StateOperation
{
    public sealed record Upsert(StateSetRequest Request) : StateOperation;

    public sealed record Delete(StateDeleteRequest Request) : StateOperation;
}

/// <summary>daprd's <c>state.ETagError</c> kind Mismatch; reported as gRPC Aborted.</summary>
public sealed class StateETagMismatchException(string key)
    : Exception($"possible etag mismatch. error from state store: ETag mismatch for key {key}");

/// <summary>daprd's <c>state.ETagError</c> kind Invalid; reported as gRPC InvalidArgument.</summary>
public sealed class StateETagInvalidException(string etag)
    : Exception($"invalid etag value: '{etag}'");
