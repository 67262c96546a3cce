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
            return Task.FromResult<StateEntry?>(new StateEntry(item.Data, item.ETag.ToString(), metadata));
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

        if (!TryGetLive(key, out var item) || !item.HasETag(etag))
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
                _items[request.Key] = new Item(request.Value.ToArray(), Guid.NewGuid(), expiresAt);
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

    /// <summary>
    /// A stored value. The ETag is kept as the UUID it is and written out as contrib's string when
    /// read, and the expiry as UTC ticks: the embedded suite holds an item or two for every connection
    /// (presence's records), and a 36-character ETag string each was ~96 B of them.
    /// </summary>
    private sealed class Item(byte[] data, Guid etag, DateTimeOffset? expiresAt)
    {
        private readonly long _expiresAtUtcTicks = expiresAt?.UtcTicks ?? 0;

        public byte[] Data { get; } = data;

        public Guid ETag { get; } = etag;

        public DateTimeOffset? ExpiresAt => _expiresAtUtcTicks == 0 ? null : new DateTimeOffset(_expiresAtUtcTicks, TimeSpan.Zero);

        /// <summary>Whether <paramref name="etag"/> is this item's ETag exactly as read (contrib compares strings: another spelling of the same UUID is a mismatch).</summary>
        public bool HasETag(string etag)
        {
            Span<char> text = stackalloc char[36];
            return ETag.TryFormat(text, out var written) && text[..written].SequenceEqual(etag);
        }
    }
}
