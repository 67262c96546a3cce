using Microsoft.Extensions.Options;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.CallStreams;

namespace Suite.Edge.Direct;

/// <summary>
/// Direct messages' recipients → their edges, as presence answered them, kept only while presence
/// watches them for this edge's call stream (presence.proto, "Watches"). Everything that changes it
/// arrives on the stream's read loop in the stream's order (<see cref="ICallStreamObserver{TCall, TReply}"/>):
/// lookup replies with their grants, pushes about changed users (dropped before they are
/// acknowledged), and the end of the stream (everything dropped). An answer is used while its epoch
/// is the stream's current one, the grant has not lapsed (counted from when the call that got it
/// was sent, so it lapses here before it does at presence), and it is younger than CacheTtl.
/// </summary>
public sealed class RecipientCache(IOptions<DirectRecipientsOptions> options, TimeProvider time) : ICallStreamObserver<PresenceCall, PresenceCallReply>
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    // Most recently used first.
    private readonly LinkedList<Entry> _order = new();
    private long _stream;
    private long _endedThrough;
    private ulong _epoch;
    private long _validUntil;
    private long _lastGrantTicks;
    private (PresenceCall Call, long SentAt)? _renewal;

    public bool Enabled => options.Value.CacheUsers > 0;

    /// <summary>Users held now (answers and lookups under way).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// The edges of <paramref name="userId"/> (empty: offline) if a watched answer holds;
    /// <paramref name="renewSoon"/>: less than half of the last grant is left, ask for more.
    /// </summary>
    public bool TryGet(string userId, out IReadOnlyList<string> edges, out bool renewSoon)
    {
        edges = [];
        renewSoon = false;
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_entries.TryGetValue(userId, out var node) || node.Value.Edges is not { } known
                || node.Value.Epoch != _epoch || now >= _validUntil
                || time.GetElapsedTime(node.Value.CachedAt, now) >= options.Value.CacheTtl)
            {
                return false;
            }

            _order.Remove(node);
            _order.AddFirst(node);
            edges = known;
            renewSoon = _validUntil - now < _lastGrantTicks / 2;
            return true;
        }
    }

    /// <summary>A lookup of <paramref name="userId"/> that asks presence to watch it; its answer is kept when the reply grants the watch.</summary>
    public PresenceCall StartLookup(string userId)
    {
        var call = new PresenceCall { LookupUsers = new LookupUsersRequest { UserIds = { userId }, Watch = true } };
        var entry = new Entry(userId) { Lookup = call, SentAt = time.GetTimestamp() };
        lock (_gate)
        {
            if (_entries.Remove(userId, out var old))
            {
                _order.Remove(old);
            }

            while (_entries.Count >= options.Value.CacheUsers && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _entries.Remove(oldest.Value.UserId);
            }

            _entries[userId] = _order.AddFirst(entry);
        }

        return call;
    }

    /// <summary>A renewal of the stream's watches, or null while one is under way.</summary>
    public PresenceCall? StartRenewal()
    {
        lock (_gate)
        {
            if (_renewal is not null)
            {
                return null;
            }

            var call = new PresenceCall { RenewWatches = new RenewWatchesRequest() };
            _renewal = (call, time.GetTimestamp());
            return call;
        }
    }

    /// <summary>The renewal got no reply (no stream, or it broke): another may start.</summary>
    public void RenewalFailed(PresenceCall call)
    {
        lock (_gate)
        {
            if (_renewal?.Call == call)
            {
                _renewal = null;
            }
        }
    }

    public void Replied(long stream, PresenceCall call, PresenceCallReply reply)
    {
        lock (_gate)
        {
            if (!OnStream(stream))
            {
                return;
            }

            switch (call.CallCase)
            {
                case PresenceCall.CallOneofCase.RenewWatches when _renewal?.Call == call:
                    var sentAt = _renewal.Value.SentAt;
                    _renewal = null;
                    if (reply.StatusCode == 0 && reply.RenewWatches is { } renewed)
                    {
                        Grant(renewed, sentAt);
                    }

                    break;
                case PresenceCall.CallOneofCase.LookupUsers when call.LookupUsers.Watch:
                    Install(call, reply);
                    break;
            }
        }
    }

    public PresenceCall? Pushed(long stream, PresenceCallReply push)
    {
        if (push.WatchedUsersChanged is not { } changed)
        {
            return null;
        }

        lock (_gate)
        {
            // Whatever the stream: forgetting is always safe.
            foreach (var userId in changed.UserIds)
            {
                if (_entries.Remove(userId, out var node))
                {
                    _order.Remove(node);
                }
            }
        }

        // Acknowledged only now that no answer from before the change is left.
        return changed.MustAck ? new PresenceCall { WatchAck = new WatchAck { PushId = changed.PushId } } : null;
    }

    public void Ended(long stream)
    {
        lock (_gate)
        {
            _endedThrough = Math.Max(_endedThrough, stream);
            if (stream >= _stream)
            {
                Clear();
            }
        }
    }

    // Under the gate. False for a stream that ended; a newer stream starts from nothing.
    private bool OnStream(long stream)
    {
        if (stream <= _endedThrough || stream < _stream)
        {
            return false;
        }

        if (stream > _stream)
        {
            // Lookups under way may be this stream's own: their replies decide for them.
            DropAnswers();
            _epoch = 0;
            _validUntil = 0;
            _renewal = null;
            _stream = stream;
        }

        return true;
    }

    private void Install(PresenceCall call, PresenceCallReply reply)
    {
        var userIds = call.LookupUsers.UserIds;
        var sentAt = _entries.TryGetValue(userIds[0], out var first) && first.Value.Lookup == call ? first.Value.SentAt : 0;
        if (reply.StatusCode != 0 || reply.LookupUsers?.Watch is not { ValidMs: > 0 } grant || sentAt == 0 || !Grant(grant, sentAt))
        {
            Forget(call);
            return;
        }

        var now = time.GetTimestamp();
        foreach (var userId in userIds)
        {
            if (_entries.TryGetValue(userId, out var node) && node.Value.Lookup == call)
            {
                var found = reply.LookupUsers.Users.FirstOrDefault(u => u.UserId == userId);
                node.Value.Edges = found is null ? [] : [.. found.EdgeIds];
                node.Value.Epoch = grant.Epoch;
                node.Value.CachedAt = now;
                node.Value.Lookup = null;
            }
        }
    }

    // Takes a grant; false when it is for an epoch already over. A later epoch ends the earlier
    // one's answers (presence stopped watching them); lookups under way are kept, their replies carry the epoch.
    private bool Grant(WatchGrant grant, long sentAt)
    {
        if (grant.Epoch < _epoch)
        {
            return false;
        }

        if (grant.Epoch > _epoch)
        {
            DropAnswers();
            _epoch = grant.Epoch;
            _validUntil = 0;
        }

        var ticks = (long)(grant.ValidMs / 1000.0 * time.TimestampFrequency);
        if (ticks > 0)
        {
            _lastGrantTicks = ticks;
            _validUntil = Math.Max(_validUntil, sentAt + ticks);
        }

        return ticks > 0;
    }

    private void DropAnswers()
    {
        foreach (var node in _entries.Values.Where(n => n.Value.Lookup is null).ToArray())
        {
            _entries.Remove(node.Value.UserId);
            _order.Remove(node);
        }
    }

    private void Forget(PresenceCall call)
    {
        foreach (var userId in call.LookupUsers.UserIds)
        {
            if (_entries.TryGetValue(userId, out var node) && node.Value.Lookup == call)
            {
                _entries.Remove(userId);
                _order.Remove(node);
            }
        }
    }

    private void Clear()
    {
        _entries.Clear();
        _order.Clear();
        _epoch = 0;
        _validUntil = 0;
        _renewal = null;
    }

    private sealed class Entry(string userId)
    {
        public string UserId { get; } = userId;

        /// <summary>The answer; null while <see cref="Lookup"/> is under way.</summary>
        public IReadOnlyList<string>? Edges { get; set; }

        public PresenceCall? Lookup { get; set; }

        public long SentAt { get; set; }

        public ulong Epoch { get; set; }

        public long CachedAt { get; set; }
    }
}
