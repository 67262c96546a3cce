using System.Globalization;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.State.InMemory;

/// <summary>
/// <c>state.in-memory</c> as contrib has it (state/in-memory): ETags are fresh UUIDs per write, an
/// etag is checked even under last-write, an etag on a missing key is a mismatch, and a
/// transaction checks every etag before applying anything, so it is atomic.
/// </summary>
public sealed class InMemoryStateStore(ComponentDefinition definition, ComponentContext context) : IStateStore
{
    private readonly Dictionary<string, Item> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int? _defaultTtlSeconds = definition.Metadata.GetString(StateTtl.MetadataKey) is null
        ? null
        : definition.Metadata.GetInt(StateTtl.MetadataKey, 0);

    private readonly TimeProvider _time = context.Time;
    private int _writesSinceSweep;

    public Task InitAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!TryGetLive(key, out var item))
            {
                return Task.FromResult<StateEntry?>(null);
            }

            IReadOnlyDictionary<string, string> metadata = item.ExpiresAt is { } expiresAt
                ? new Dictionary<string, string> { ["ttlExpireTime"] = expiresAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) }
                : new Dictionary<string, string>();
            return Task.FromResult<StateEntry?>(new StateEntry(item.Data, item.ETag, metadata));
        }
    }

    public Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        var ttl = StateTtl.Read(request.Metadata) ?? _defaultTtlSeconds;
        lock (_lock)
        {
            CheckSet(request);
            Apply(new StateOperation.Upsert(request), ttl);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            CheckETag(request.Key, request.ETag);
            _items.Remove(request.Key);
        }

        return Task.CompletedTask;
    }

    public Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var operation in operations)
            {
                switch (operation)
                {
                    case StateOperation.Upsert upsert:
                        CheckSet(upsert.Request);
                        break;
                    case StateOperation.Delete delete:
                        CheckETag(delete.Request.Key, delete.Request.ETag);
                        break;
                }
            }

            foreach (var operation in operations)
            {
                var ttl = operation is StateOperation.Upsert upsert ? StateTtl.Read(upsert.Request.Metadata) ?? _defaultTtlSeconds : null;
                Apply(operation, ttl);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void CheckSet(StateSetRequest request)
    {
        if (request.Concurrency == StateConcurrency.FirstWrite && string.IsNullOrEmpty(request.ETag) && TryGetLive(request.Key, out _))
        {
            throw new StateETagMismatchException(request.Key);
        }

        CheckETag(request.Key, request.ETag);
    }

    private void CheckETag(string key, string? etag)
    {
        if (string.IsNullOrEmpty(etag))
        {
            return;
        }

        if (!TryGetLive(key, out var item) || item.ETag != etag)
        {
            throw new StateETagMismatchException(key);
        }
    }

    private void Apply(StateOperation operation, int? ttlSeconds)
    {
        switch (operation)
        {
            case StateOperation.Upsert { Request: var request }:
                SweepExpiredNowAndThen();
                DateTimeOffset? expiresAt = ttlSeconds is > 0 ? _time.GetUtcNow().AddSeconds(ttlSeconds.Value) : null;
                _items[request.Key] = new Item(request.Value.ToArray(), Guid.NewGuid().ToString(), expiresAt);
                break;
            case StateOperation.Delete { Request: var request }:
                _items.Remove(request.Key);
                break;
        }
    }

    // contrib sweeps every second; sweeping every few thousand writes bounds memory the same way
    // without a timer, and readers never see expired items either way.
    private void SweepExpiredNowAndThen()
    {
        if (++_writesSinceSweep < 4096)
        {
            return;
        }

        _writesSinceSweep = 0;
        var now = _time.GetUtcNow();
        foreach (var key in _items.Where(i => i.Value.ExpiresAt <= now).Select(i => i.Key).ToList())
        {
            _items.Remove(key);
        }
    }

    // Expired items are removed when touched, which is all a reader can observe of contrib's sweep.
    private bool TryGetLive(string key, out Item item)
    {
        if (_items.TryGetValue(key, out item!))
        {
            if (item.ExpiresAt is null || item.ExpiresAt > _time.GetUtcNow())
            {
                return true;
            }

            _items.Remove(key);
        }

        return false;
    }

    private sealed record Item(byte[] Data, string ETag, DateTimeOffset? ExpiresAt);
}
