using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults.PresenceCalls;

namespace Suite.ServiceDefaults.Tests.PresenceCalls;

/// <summary>Presence's watches of users for edges' call streams (presence.proto, "Watches"), on a fake clock.</summary>
public sealed class PresenceWatchesTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly Authority _authority = new() { SureFor = TimeSpan.FromSeconds(2) };

    [Fact]
    public void A_watch_is_granted_for_as_long_as_presence_is_sure_and_none_when_it_is_not()
    {
        var watches = Watches();
        using var stream = watches.Open(Channel.CreateUnbounded<PresenceCallReply>().Writer);

        var granted = stream.Watch(["alice"]);
        _authority.SureFor = TimeSpan.Zero;
        var refused = stream.Watch(["bob"]);

        Assert.Equal(new WatchGrant { Epoch = 1, ValidMs = 2000 }, granted);
        Assert.Null(refused);
        Assert.Equal(0u, stream.Renew().ValidMs);
    }

    [Fact]
    public async Task A_connect_of_a_watched_user_is_pushed_and_waits_for_the_acknowledgement()
    {
        var watches = Watches();
        var pushes = Channel.CreateUnbounded<PresenceCallReply>();
        using var stream = watches.Open(pushes.Writer);
        stream.Watch(["alice"]);

        var connect = watches.ChangedAsync("alice", gainedEdge: true);

        Assert.True(pushes.Reader.TryRead(out var push));
        var changed = push.WatchedUsersChanged;
        Assert.Equal(0ul, push.Id);
        Assert.Equal(["alice"], changed.UserIds);
        Assert.True(changed.MustAck);
        Assert.Equal(1ul, changed.Epoch);
        Assert.False(connect.IsCompleted, "the connect waits for the edge's acknowledgement");
        stream.Acked(changed.PushId);
        await connect.WaitAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_connect_waits_out_the_grant_of_a_stream_that_does_not_acknowledge()
    {
        var watches = Watches();
        using var stream = watches.Open(Channel.CreateUnbounded<PresenceCallReply>().Writer);
        stream.Watch(["alice"]);

        var connect = watches.ChangedAsync("alice", gainedEdge: true);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(connect.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        await connect.WaitAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_closed_stream_is_waited_out_until_its_grant_lapsed_then_forgotten()
    {
        var watches = Watches();
        var stream = watches.Open(Channel.CreateUnbounded<PresenceCallReply>().Writer);
        stream.Watch(["alice"]);
        stream.Dispose();

        var connect = watches.ChangedAsync("alice", gainedEdge: true);
        Assert.False(connect.IsCompleted, "the edge may not have noticed the stream ended and still answer from it");
        _time.Advance(TimeSpan.FromSeconds(2));
        await connect.WaitAsync(TestContext.Current.CancellationToken);

        Assert.True(watches.ChangedAsync("alice", gainedEdge: true).IsCompleted);
        Assert.Equal(0, watches.WatchedUsers);
    }

    [Fact]
    public void Disconnects_and_unwatched_users_wait_for_nothing()
    {
        var watches = Watches();
        var pushes = Channel.CreateUnbounded<PresenceCallReply>();
        using var stream = watches.Open(pushes.Writer);
        stream.Watch(["alice"]);

        var disconnect = watches.ChangedAsync("alice", gainedEdge: false);
        var stranger = watches.ChangedAsync("bob", gainedEdge: true);

        Assert.True(disconnect.IsCompleted);
        Assert.True(stranger.IsCompleted);
        Assert.True(pushes.Reader.TryRead(out var push));
        Assert.False(push.WatchedUsersChanged.MustAck);
        Assert.False(pushes.Reader.TryRead(out _));
    }

    [Fact]
    public void Doubt_or_too_many_users_start_a_new_epoch()
    {
        var watches = new PresenceWatches(_authority, 2, _time, NullLogger.Instance);
        using var stream = watches.Open(Channel.CreateUnbounded<PresenceCallReply>().Writer);

        var first = stream.Watch(["a", "b"]);
        var full = stream.Watch(["c"]);
        _authority.Continuity++;
        var doubted = stream.Renew();

        Assert.Equal(1ul, first!.Epoch);
        Assert.Equal(2ul, full!.Epoch);
        Assert.Equal(3ul, doubted.Epoch);
    }

    [Fact]
    public async Task A_user_of_a_retired_epoch_is_waited_out_even_though_the_stream_lives_on()
    {
        var watches = Watches();
        var pushes = Channel.CreateUnbounded<PresenceCallReply>();
        using var stream = watches.Open(pushes.Writer);
        stream.Watch(["alice"]);
        _authority.Continuity++;
        stream.Watch(["bob"]);

        var connect = watches.ChangedAsync("alice", gainedEdge: true);

        Assert.False(pushes.Reader.TryRead(out _), "the retired epoch's users are no longer pushed");
        Assert.False(connect.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        await connect.WaitAsync(TestContext.Current.CancellationToken);
    }

    private PresenceWatches Watches() => new(_authority, 1000, _time, NullLogger.Instance);

    private sealed class Authority : IWatchAuthority
    {
        public TimeSpan SureFor { get; set; }

        public long Continuity { get; set; }
    }
}
