using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Suite.Contracts.Presence.V1;
using Suite.Edge.Direct;

namespace Suite.Edge.Tests.Direct;

/// <summary>The edge's copy of presence's answers for direct messages, fed as the call stream's read loop feeds it.</summary>
public sealed class RecipientCacheTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly DirectRecipientsOptions _options = new() { CacheUsers = 100, CacheTtl = TimeSpan.FromMinutes(1) };

    [Fact]
    public void A_watched_answer_is_a_hit_until_the_grant_lapses()
    {
        var cache = Cache();
        Answer(cache, 1, "dana", epoch: 1, validMs: 2000, "edge-a", "edge-b");

        Assert.True(cache.TryGet("dana", out var edges, out var renewSoon));
        Assert.Equal(["edge-a", "edge-b"], edges);
        Assert.False(renewSoon);
        _time.Advance(TimeSpan.FromMilliseconds(1200));
        Assert.True(cache.TryGet("dana", out _, out renewSoon));
        Assert.True(renewSoon, "less than half of the grant is left");
        _time.Advance(TimeSpan.FromMilliseconds(800));
        Assert.False(cache.TryGet("dana", out _, out _));
    }

    [Fact]
    public void An_offline_user_is_cached_as_no_edge()
    {
        var cache = Cache();
        Answer(cache, 1, "ghost", epoch: 1, validMs: 2000);

        Assert.True(cache.TryGet("ghost", out var edges, out _));
        Assert.Empty(edges);
    }

    [Fact]
    public void An_answer_without_a_grant_is_not_kept()
    {
        var cache = Cache();
        var call = cache.StartLookup("dana");
        cache.Replied(1, call, new PresenceCallReply { LookupUsers = Edges("dana", "edge-a") });

        Assert.False(cache.TryGet("dana", out _, out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_push_drops_the_user_and_is_acknowledged_only_when_asked()
    {
        var cache = Cache();
        Answer(cache, 1, "dana", epoch: 1, validMs: 2000, "edge-a");
        Answer(cache, 1, "eve", epoch: 1, validMs: 2000, "edge-a");

        var ack = cache.Pushed(1, Push(7, "dana", mustAck: true));
        var none = cache.Pushed(1, Push(8, "eve", mustAck: false));

        Assert.Equal(7ul, ack?.WatchAck.PushId);
        Assert.Null(none);
        Assert.False(cache.TryGet("dana", out _, out _));
        Assert.False(cache.TryGet("eve", out _, out _));
    }

    [Fact]
    public void A_push_during_a_lookup_keeps_its_answer_out_of_the_cache()
    {
        var cache = Cache();
        var call = cache.StartLookup("dana");
        cache.Pushed(1, Push(1, "dana", mustAck: true));
        cache.Replied(1, call, Watched("dana", 1, 2000, "edge-a"));

        Assert.False(cache.TryGet("dana", out _, out _));
    }

    [Fact]
    public void The_end_of_the_stream_drops_everything_and_late_replies_of_it_are_ignored()
    {
        var cache = Cache();
        Answer(cache, 1, "dana", epoch: 1, validMs: 2000, "edge-a");
        var late = cache.StartLookup("eve");

        cache.Ended(1);
        cache.Replied(1, late, Watched("eve", 1, 2000, "edge-a"));

        Assert.False(cache.TryGet("dana", out _, out _));
        Assert.False(cache.TryGet("eve", out _, out _));
        Answer(cache, 2, "dana", epoch: 1, validMs: 2000, "edge-b");
        Assert.True(cache.TryGet("dana", out var edges, out _));
        Assert.Equal(["edge-b"], edges);
    }

    [Fact]
    public void A_new_epoch_drops_the_answers_of_the_old_one()
    {
        var cache = Cache();
        Answer(cache, 1, "dana", epoch: 1, validMs: 2000, "edge-a");

        Answer(cache, 1, "eve", epoch: 2, validMs: 2000, "edge-a");

        Assert.False(cache.TryGet("dana", out _, out _));
        Assert.True(cache.TryGet("eve", out _, out _));
    }

    [Fact]
    public void A_renewal_extends_the_answers_from_when_it_was_sent()
    {
        var cache = Cache();
        Answer(cache, 1, "dana", epoch: 1, validMs: 2000, "edge-a");
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        var renewal = cache.StartRenewal()!;
        Assert.Null(cache.StartRenewal());
        _time.Advance(TimeSpan.FromMilliseconds(400));

        cache.Replied(1, renewal, new PresenceCallReply { RenewWatches = new WatchGrant { Epoch = 1, ValidMs = 2000 } });

        _time.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.True(cache.TryGet("dana", out _, out _));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(cache.TryGet("dana", out _, out _), "2 s from the renewal's send, not from its reply");
    }

    [Fact]
    public void Answers_older_than_the_ttl_are_looked_up_again()
    {
        _options.CacheTtl = TimeSpan.FromSeconds(1);
        var cache = Cache();
        Answer(cache, 1, "dana", epoch: 1, validMs: 5000, "edge-a");

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(cache.TryGet("dana", out _, out _));
    }

    [Fact]
    public void The_least_recently_used_user_makes_room()
    {
        _options.CacheUsers = 2;
        var cache = Cache();
        Answer(cache, 1, "a", epoch: 1, validMs: 2000, "edge-a");
        Answer(cache, 1, "b", epoch: 1, validMs: 2000, "edge-a");
        Assert.True(cache.TryGet("a", out _, out _));

        Answer(cache, 1, "c", epoch: 1, validMs: 2000, "edge-a");

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("a", out _, out _));
        Assert.False(cache.TryGet("b", out _, out _));
        Assert.True(cache.TryGet("c", out _, out _));
    }

    private RecipientCache Cache() => new(Options.Create(_options), _time);

    private static void Answer(RecipientCache cache, long stream, string userId, ulong epoch, uint validMs, params string[] edges)
    {
        var call = cache.StartLookup(userId);
        cache.Replied(stream, call, Watched(userId, epoch, validMs, edges));
    }

    private static PresenceCallReply Watched(string userId, ulong epoch, uint validMs, params string[] edges)
    {
        var response = Edges(userId, edges);
        response.Watch = new WatchGrant { Epoch = epoch, ValidMs = validMs };
        return new PresenceCallReply { LookupUsers = response };
    }

    private static LookupUsersResponse Edges(string userId, params string[] edges) =>
        edges.Length == 0 ? new LookupUsersResponse() : new LookupUsersResponse { Users = { new UserEdges { UserId = userId, EdgeIds = { edges } } } };

    private static PresenceCallReply Push(ulong pushId, string userId, bool mustAck) =>
        new() { WatchedUsersChanged = new WatchedUsersChanged { PushId = pushId, UserIds = { userId }, Epoch = 1, MustAck = mustAck } };
}
