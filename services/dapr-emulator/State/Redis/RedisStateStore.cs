using System.Globalization;
using StackExchange.Redis;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Redis;

namespace Suite.DaprEmulator.State.Redis;

/// <summary>
/// state.redis with contrib's storage layout (contract §4.2): a HASH of <c>data</c> and an integer
/// <c>version</c> that is the ETag, guarded by Lua scripts, so daprd and the emulator can read each
/// other's keys.
/// </summary>
public sealed class RedisStateStore : IStateStore
{
    private const string TtlExpireTimeKey = "ttlExpireTime";
    private const string NoVersion = "0";

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private readonly ComponentDefinition _definition;
    private readonly TimeProvider _time;
    private readonly ConfigurationOptions _connectionOptions;
    private readonly int? _defaultTtlSeconds;
    private ConnectionMultiplexer? _connection;
    private int _disposed;

    public RedisStateStore(ComponentDefinition definition, ComponentContext context)
    {
        _definition = definition;
        _time = context.Time;
        _connectionOptions = RedisConnectionOptions.Read(definition.Metadata);
        _defaultTtlSeconds = definition.Metadata.GetString(StateTtl.MetadataKey) is null
            ? null
            : definition.Metadata.GetInt(StateTtl.MetadataKey, 0);
    }

    private IDatabase Database =>
        _connection?.GetDatabase() ?? throw new InvalidOperationException($"component {_definition.Name} is not initialised");

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        _connection = await ConnectionMultiplexer.ConnectAsync(_connectionOptions.Clone()).WaitAsync(cancellationToken);
    }

    public async Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var database = Database;

        // Both go out back to back on one connection, so the TTL costs no extra round trip.
        var fieldsTask = database.HashGetAllAsync(key);
        var ttlTask = database.KeyTimeToLiveAsync(key);
        HashEntry[] fields;
        try
        {
            fields = await fieldsTask.WaitAsync(cancellationToken);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return await GetLegacyStringAsync(database, key, cancellationToken);
        }

        var ttl = await ttlTask.WaitAsync(cancellationToken);
        if (fields.Length == 0)
        {
            return null;
        }

        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        var etag = "";
        foreach (var field in fields)
        {
            if (field.Name == "data")
            {
                data = (byte[]?)field.Value ?? [];
            }
            else if (field.Name == "version")
            {
                etag = field.Value.ToString();
            }
        }

        return new StateEntry(data, etag, ExpiryMetadata(ttl));
    }

    public async Task SetAsync(StateSetRequest request, CancellationToken cancellationToken)
    {
        var expected = ExpectedVersion(request);
        var ttl = StateTtl.Read(request.Metadata) ?? _defaultTtlSeconds;
        var firstWrite = request.Concurrency == StateConcurrency.FirstWrite ? "0" : "1";
        var database = Database;
        try
        {
            await database.ScriptEvaluateAsync(RedisStateScripts.Set, [request.Key], [expected, request.Value, firstWrite])
                .WaitAsync(cancellationToken);
        }
        catch (RedisServerException e) when (IsMismatch(e))
        {
            // contrib reports a mismatch only when an etag was sent; an etag-less save refused by a
            // first-write key is a plain failure (gRPC Internal), as in daprd.
            if (request.ETag is not null)
            {
                throw new StateETagMismatchException(request.Key);
            }

            throw new InvalidOperationException($"failed to set key {request.Key}: {e.Message}", e);
        }

        if (ttl is { } seconds)
        {
            await (seconds > 0
                ? database.KeyExpireAsync(request.Key, TimeSpan.FromSeconds(seconds))
                : database.KeyPersistAsync(request.Key)).WaitAsync(cancellationToken);
        }
    }

    public async Task DeleteAsync(StateDeleteRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await Database.ScriptEvaluateAsync(RedisStateScripts.Delete, [request.Key], [request.ETag ?? NoVersion])
                .WaitAsync(cancellationToken);
        }
        catch (RedisServerException e) when (IsMismatch(e))
        {
            throw new StateETagMismatchException(request.Key);
        }
    }

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        // Everything that can fail before Redis sees the batch fails the whole call, as in contrib,
        // where Multi returns before Exec. Errors are never StateETagMismatchException: daprd reports
        // every transaction failure as Internal.
        if (operations.Count == 0)
        {
            return;
        }

        var keys = new RedisKey[operations.Count];
        var arguments = new RedisValue[operations.Count * 4];
        for (var i = 0; i < operations.Count; i++)
        {
            var a = i * 4;
            switch (operations[i])
            {
                case StateOperation.Upsert { Request: var set }:
                    var (expected, ttl) = PrepareTransactionalSet(set);
                    keys[i] = set.Key;
                    (arguments[a], arguments[a + 1], arguments[a + 2]) = ("set", expected, set.Value);
                    arguments[a + 3] = ttl is { } seconds ? seconds.ToString(CultureInfo.InvariantCulture) : RedisValue.EmptyString;
                    break;
                case StateOperation.Delete { Request: var delete }:
                    keys[i] = delete.Key;
                    (arguments[a], arguments[a + 1], arguments[a + 2], arguments[a + 3]) = ("del", delete.ETag ?? NoVersion, RedisValue.EmptyString, RedisValue.EmptyString);
                    break;
                default:
                    throw new InvalidOperationException($"unsupported transaction operation {operations[i].GetType().Name}");
            }
        }

        RedisResult result;
        try
        {
            result = await Database.ScriptEvaluateAsync(RedisStateScripts.Transaction, keys, arguments).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new InvalidOperationException($"state transaction failed: {e.Message}; Redis does not roll back the operations that ran", e);
        }

        // {0}, or {n, error} for the first operation n that failed (the script runs the others).
        var outcome = (RedisResult[])result!;
        if ((int)outcome[0] is var failed and > 0)
        {
            throw new InvalidOperationException(
                $"state transaction failed on key {keys[failed - 1]}: {(string?)outcome[1]}; Redis does not roll back the other operations");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || _connection is null)
        {
            return;
        }

        await _connection.CloseAsync();
        await _connection.DisposeAsync();
    }

    private static async Task<StateEntry?> GetLegacyStringAsync(IDatabase database, string key, CancellationToken cancellationToken)
    {
        // Keys written as plain strings by very old Dapr versions have no version, hence no etag.
        var value = await database.StringGetAsync(key).WaitAsync(cancellationToken);
        return value.IsNull ? null : new StateEntry((byte[])value!, "", NoMetadata);
    }

    private static string ExpectedVersion(StateSetRequest request)
    {
        if (request.Concurrency == StateConcurrency.LastWrite || string.IsNullOrEmpty(request.ETag))
        {
            return NoVersion;
        }

        // Go's strconv.Atoi: optional sign, decimal digits; "01" means version 1.
        return int.TryParse(request.ETag, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var version)
            ? version.ToString(CultureInfo.InvariantCulture)
            : throw new StateETagInvalidException(request.ETag);
    }

    private (string Expected, int? Ttl) PrepareTransactionalSet(StateSetRequest request)
    {
        try
        {
            return (ExpectedVersion(request), StateTtl.Read(request.Metadata) ?? _defaultTtlSeconds);
        }
        catch (Exception e) when (e is StateETagInvalidException or ArgumentException)
        {
            throw new InvalidOperationException($"state transaction rejected before it ran, on key {request.Key}: {e.Message}", e);
        }
    }

    private static bool IsMismatch(RedisServerException e) =>
        e.Message.Contains(RedisStateScripts.MismatchError, StringComparison.Ordinal);

    private IReadOnlyDictionary<string, string> ExpiryMetadata(TimeSpan? ttl) =>
        ttl is { } remaining
            ? new Dictionary<string, string>
            {
                [TtlExpireTimeKey] = (_time.GetUtcNow() + remaining).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            }
            : NoMetadata;
}
