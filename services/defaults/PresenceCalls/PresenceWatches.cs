using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Suite.Contracts.Presence.V1;

namespace Suite.ServiceDefaults.PresenceCalls;

/// <summary>
/// Which <c>Calls</c> streams watch which users (presence.proto, "Watches"), and the pushes that
/// keep the callers' copies right. A stream's watches form one set per epoch; a grant lasts as long
/// as the authority is sure it sees every change, counted from the grant (the caller counts from its
/// earlier send, so its copy lapses first). A change that may give a user a new edge waits until
/// every stream watching the user acknowledged the push, or until what that stream was granted
/// lapsed: a stream that ended or a set that was retired cannot acknowledge, so it is waited out.
/// </summary>
public sealed partial class PresenceWatches(IWatchAuthority authority, int maxUsersPerStream, TimeProvider time, ILogger logger)
{
    // Shorter grants are not worth giving: the caller would renew them more often than it looks up.
    private static readonly TimeSpan MinGrant = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<WatchSet>> _byUser = new(StringComparer.Ordinal);
    private ulong _lastPushId;
    private int _streams;

    /// <summary>Streams open now, for metrics and tests.</summary>
    public int OpenStreams => Volatile.Read(ref _streams);

    /// <summary>Users watched by at least one live or lapsing watch set.</summary>
    public int WatchedUsers
    {
        get
        {
            lock (_gate)
            {
                return _byUser.Count;
            }
        }
    }

    /// <summary>Starts the watches of one stream; <paramref name="pushes"/> is the stream's outbox.</summary>
    public WatchStream Open(ChannelWriter<PresenceCallReply> pushes)
    {
        Interlocked.Increment(ref _streams);
        return new WatchStream(this, pushes);
    }

    /// <summary>
    /// Tells the streams watching <paramref name="userId"/> that its edges may have changed; its
    /// record (and the memory lookups read) must already hold the change. With
    /// <paramref name="gainedEdge"/> the task ends once each of them acknowledged or lapsed.
    /// </summary>
    public Task ChangedAsync(string userId, bool gainedEdge)
    {
        List<Task>? waits = null;
        lock (_gate)
        {
            if (!_byUser.TryGetValue(userId, out var sets))
            {
                return Task.CompletedTask;
            }

            var now = time.GetTimestamp();
            for (var i = sets.Count - 1; i >= 0; i--)
            {
                var set = sets[i];
                var left = set.GrantedUntil > now ? time.GetElapsedTime(now, set.GrantedUntil) : TimeSpan.Zero;
                if (set.Retired)
                {
                    if (left == TimeSpan.Zero)
                    {
                        sets.RemoveAt(i);
                    }
                    else if (gainedEdge)
                    {
                        (waits ??= []).Add(Task.Delay(left, time));
                    }

                    continue;
                }

                var pushId = ++_lastPushId;
                var mustAck = gainedEdge && left > TimeSpan.Zero;
                if (mustAck)
                {
                    var acked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    set.Stream.Pending[pushId] = acked;
                    (waits ??= []).Add(WaitForAckAsync(set.Stream, pushId, acked.Task, left));
                }

                set.Stream.Pushes.TryWrite(new PresenceCallReply
                {
                    WatchedUsersChanged = new WatchedUsersChanged { PushId = pushId, UserIds = { userId }, Epoch = set.Epoch, MustAck = mustAck },
                });
            }

            if (sets.Count == 0)
            {
                _byUser.Remove(userId);
            }
        }

        return waits is null ? Task.CompletedTask : Task.WhenAll(waits);
    }

    private async Task WaitForAckAsync(WatchStream stream, ulong pushId, Task acked, TimeSpan left)
    {
        try
        {
            await acked.WaitAsync(left, time);
        }
        catch (TimeoutException)
        {
            // The caller's copy lapsed meanwhile: as good as acknowledged.
            AckLapsed(logger, pushId);
        }
        finally
        {
            lock (_gate)
            {
                stream.Pending.Remove(pushId);
            }
        }
    }

    internal WatchGrant? Watch(WatchStream stream, IReadOnlyCollection<string> userIds)
    {
        var continuity = authority.Continuity;
        var sureFor = authority.SureFor;
        if (sureFor < MinGrant || userIds.Count > maxUsersPerStream)
        {
            return null;
        }

        lock (_gate)
        {
            if (stream.Closed)
            {
                return null;
            }

            var set = CurrentSet(stream, continuity, userIds.Count);
            foreach (var userId in userIds)
            {
                if (set.Users.Add(userId))
                {
                    if (!_byUser.TryGetValue(userId, out var sets))
                    {
                        _byUser[userId] = sets = [];
                    }

                    sets.Add(set);
                }
            }

            return Grant(set, sureFor);
        }
    }

    internal WatchGrant Renew(WatchStream stream)
    {
        var continuity = authority.Continuity;
        var sureFor = authority.SureFor;
        lock (_gate)
        {
            if (stream.Closed)
            {
                return new WatchGrant();
            }

            var set = CurrentSet(stream, continuity, 0);
            return sureFor < MinGrant ? new WatchGrant { Epoch = set.Epoch } : Grant(set, sureFor);
        }
    }

    internal void Acked(WatchStream stream, ulong pushId)
    {
        TaskCompletionSource? acked;
        lock (_gate)
        {
            stream.Pending.Remove(pushId, out acked);
        }

        acked?.TrySetResult();
    }

    internal void Close(WatchStream stream)
    {
        lock (_gate)
        {
            if (stream.Closed)
            {
                return;
            }

            stream.Closed = true;
            if (stream.Current is { } set)
            {
                Retire(set);
            }
        }

        Interlocked.Decrement(ref _streams);
    }

    // The stream's set for new watches: a new epoch when presence's certainty was broken since the
    // set began (changes may have gone unseen), or when the set would grow past its bound.
    private WatchSet CurrentSet(WatchStream stream, long continuity, int adding)
    {
        var set = stream.Current;
        if (set is not null && set.Continuity == continuity && set.Users.Count + adding <= maxUsersPerStream)
        {
            return set;
        }

        if (set is not null)
        {
            Retire(set);
        }

        stream.Current = set = new WatchSet(stream, (set?.Epoch ?? 0) + 1, continuity);
        return set;
    }

    private WatchGrant Grant(WatchSet set, TimeSpan sureFor)
    {
        set.GrantedUntil = Math.Max(set.GrantedUntil, time.GetTimestamp() + (long)(sureFor.TotalSeconds * time.TimestampFrequency));
        return new WatchGrant { Epoch = set.Epoch, ValidMs = (uint)sureFor.TotalMilliseconds };
    }

    // A retired set takes no more grants; it stays indexed until what it was granted lapsed, so a
    // connect of one of its users waits that out (its caller may still answer from it until then).
    private void Retire(WatchSet set)
    {
        set.Retired = true;
        var now = time.GetTimestamp();
        var left = set.GrantedUntil > now ? time.GetElapsedTime(now, set.GrantedUntil) : TimeSpan.Zero;
        _ = ForgetAfterAsync(set, left);
    }

    private async Task ForgetAfterAsync(WatchSet set, TimeSpan left)
    {
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, time).ConfigureAwait(false);
        }

        lock (_gate)
        {
            foreach (var userId in set.Users)
            {
                if (_byUser.TryGetValue(userId, out var sets))
                {
                    sets.Remove(set);
                    if (sets.Count == 0)
                    {
                        _byUser.Remove(userId);
                    }
                }
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "watch push {PushId} was not acknowledged before the watches it concerns lapsed")]
    private static partial void AckLapsed(ILogger logger, ulong pushId);

    /// <summary>The watches of one stream, in epochs (see presence.proto). Disposing ends them.</summary>
    public sealed class WatchStream : IDisposable
    {
        private readonly PresenceWatches _owner;

        internal WatchStream(PresenceWatches owner, ChannelWriter<PresenceCallReply> pushes)
        {
            _owner = owner;
            Pushes = pushes;
        }

        internal ChannelWriter<PresenceCallReply> Pushes { get; }

        internal Dictionary<ulong, TaskCompletionSource> Pending { get; } = [];

        internal WatchSet? Current { get; set; }

        internal bool Closed { get; set; }

        /// <summary>Watches <paramref name="userIds"/> before they are looked up; null: no watch granted.</summary>
        public WatchGrant? Watch(IReadOnlyCollection<string> userIds) => _owner.Watch(this, userIds);

        public WatchGrant Renew() => _owner.Renew(this);

        public void Acked(ulong pushId) => _owner.Acked(this, pushId);

        public void Dispose() => _owner.Close(this);
    }

    internal sealed class WatchSet(WatchStream stream, ulong epoch, long continuity)
    {
        public WatchStream Stream { get; } = stream;

        public ulong Epoch { get; } = epoch;

        public long Continuity { get; } = continuity;

        public HashSet<string> Users { get; } = new(StringComparer.Ordinal);

        /// <summary>When the last grant lapses (<see cref="TimeProvider.GetTimestamp"/> ticks).</summary>
        public long GrantedUntil { get; set; }

        public bool Retired { get; set; }
    }
}
