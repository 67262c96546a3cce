using System.Collections.Concurrent;
using System.Diagnostics;
using Suite.Presence.State;
using Suite.ServiceDefaults.PresenceCalls;

namespace Suite.Presence.Memory;

/// <summary>
/// What this process knows of presence's records: the edge registry and the users with connections.
/// Every successful write of this process lands here, whichever replica mode it runs in; the copy is
/// trusted for answers and writes only while <see cref="IsSure"/>: loaded from the store while no
/// other replica was alive, and confirmed since (see <see cref="ReplicaMembership"/>).
/// </summary>
public sealed class PresenceMemory : IWatchAuthority
{
    private readonly ConcurrentDictionary<string, UserRecord> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _wentOffline = new(StringComparer.Ordinal);
    private readonly Lock _registryGate = new();
    private EdgeRegistry _registry = new();
    private long _sureUntil;
    private long _doubts;
    private volatile bool _loaded;

    /// <summary>This process's id among presence writers; new for every start.</summary>
    public string WriterId { get; } = Guid.NewGuid().ToString("N");

    public bool IsSure => _loaded && Stopwatch.GetTimestamp() < Interlocked.Read(ref _sureUntil);

    public bool IsLoaded => _loaded;

    /// <summary>How much longer the copy is trusted (zero: not now); watches last no longer.</summary>
    public TimeSpan SureFor
    {
        get
        {
            if (!_loaded)
            {
                return TimeSpan.Zero;
            }

            var now = Stopwatch.GetTimestamp();
            var until = Interlocked.Read(ref _sureUntil);
            return until > now ? Stopwatch.GetElapsedTime(now, until) : TimeSpan.Zero;
        }
    }

    /// <summary>Counts the times the copy was doubted: another writer may have written in between.</summary>
    public long Continuity => Interlocked.Read(ref _doubts);

    public EdgeRegistry Registry
    {
        get
        {
            lock (_registryGate)
            {
                return _registry;
            }
        }
    }

    /// <summary>The user's record as last written, or null when this process holds none (offline or never seen).</summary>
    public UserRecord? User(string userId) => _users.GetValueOrDefault(userId);

    /// <summary>Keeps the newer of the two: a load may read a record older than one this process has just written.</summary>
    public void Remember(string userId, UserRecord record)
    {
        _users.AddOrUpdate(userId, record, (_, known) => record.Version >= known.Version ? record : known);
        if (record.Connections.Count == 0)
        {
            _wentOffline.TryAdd(userId, 0);
        }
    }

    public void Remember(EdgeRegistry registry)
    {
        lock (_registryGate)
        {
            if (registry.Revision >= _registry.Revision)
            {
                _registry = registry;
            }
        }
    }

    /// <summary>Before a load: records another writer changed may be stale here, and a load reads only the users it finds in lease indexes.</summary>
    public void ForgetUsers()
    {
        _users.Clear();
        _wentOffline.Clear();
    }

    public void Loaded() => _loaded = true;

    /// <summary>Trust the copy until <paramref name="stopwatchTimestamp"/> (Stopwatch ticks).</summary>
    public void ConfirmUntil(long stopwatchTimestamp) => Interlocked.Exchange(ref _sureUntil, stopwatchTimestamp);

    /// <summary>Another writer may have written: stop trusting the copy until it is loaded again.</summary>
    public void Doubt()
    {
        Interlocked.Increment(ref _doubts);
        _loaded = false;
        Interlocked.Exchange(ref _sureUntil, 0);
    }

    /// <summary>
    /// Forgets offline users, so memory holds the online ones only. Not while a load runs: a load
    /// may put back an older online copy of a user whose offline record was forgotten.
    /// </summary>
    public void ForgetOffline()
    {
        foreach (var userId in _wentOffline.Keys)
        {
            _wentOffline.TryRemove(userId, out _);
            if (_users.TryGetValue(userId, out var record) && record.Connections.Count == 0)
            {
                _users.TryRemove(new KeyValuePair<string, UserRecord>(userId, record));
            }
        }
    }
}
