using System.Globalization;

namespace Suite.ServiceDefaults.State;

/// <summary>
/// One operation of <see cref="StateStore.TransactAsync"/>: an upsert of <see cref="Value"/>
/// (serialised with System.Text.Json web defaults, as DaprClient serialises state) or a delete.
/// </summary>
/// <remarks>
/// An <see cref="ETag"/> makes the operation conditional on the stored one. In a transaction, no
/// etag (or "") means unconditional on both stores: "create only if missing" is not available
/// inside a transaction (state.redis never uses first-write there), so create contended keys with
/// <see cref="StateStore.TryWriteAsync"/> instead.
/// </remarks>
public sealed record StateChange
{
    private StateChange(string key, object? value, bool delete, string? etag, TimeSpan? ttl)
    {
        Key = key;
        Value = value;
        IsDelete = delete;
        ETag = string.IsNullOrEmpty(etag) ? null : etag;
        Ttl = ttl;
    }

    public string Key { get; }

    public object? Value { get; }

    public bool IsDelete { get; }

    public string? ETag { get; }

    public TimeSpan? Ttl { get; }

    public static StateChange Upsert<T>(string key, T value, string? etag = null, TimeSpan? ttl = null)
        where T : notnull => new(key, value, delete: false, etag, ttl);

    public static StateChange Delete(string key, string? etag = null) => new(key, null, delete: true, etag, null);

    /// <summary>The request metadata for a TTL: whole seconds, at least one (Dapr takes integers; 0 or less would mean "never expire").</summary>
    internal static Dictionary<string, string>? TtlMetadata(TimeSpan? ttl) =>
        ttl is { } t ? new Dictionary<string, string> { ["ttlInSeconds"] = Math.Max(1, (int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) } : null;
}
