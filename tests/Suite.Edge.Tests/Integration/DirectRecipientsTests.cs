using Suite.Contracts.Presence.V1;
using Suite.Edge.Direct;
using Suite.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// Direct messages' recipients from the edge's cache while presence watches them (its fake serves
/// the real watches over the real call stream), and the same-edge short cut.
/// </summary>
public sealed class DirectRecipientsTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;

    private FakePresenceView Presence => new(_edge.Upstream.Presence);

    public async ValueTask InitializeAsync()
    {
        _edge = await EdgeHost.StartAsync(TestContext.Current.CancellationToken);
        _edge.Upstream.Presence.WatchesLast = TimeSpan.FromSeconds(30);
    }

    public ValueTask DisposeAsync() => _edge.DisposeAsync();

    [Fact]
    public async Task Direct_messages_to_a_watched_user_look_it_up_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dana = await _edge.ConnectAsAsync("dana", ct);
        await using var eve = await _edge.ConnectAsAsync("eve", ct);

        for (var i = 0; i < 3; i++)
        {
            await eve.SendAsync(new { type = "direct", to = "dana", content = $"m{i}" }, ct);
            Assert.Equal($"m{i}", (await dana.ReceiveAsync("direct", ct)).GetProperty("content").GetString());
        }

        Assert.Equal(1, Presence.LookupsOf("dana"));
    }

    [Fact]
    public async Task A_connect_on_another_edge_is_confirmed_only_after_this_edge_dropped_its_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dana = await _edge.ConnectAsAsync("dana", ct);
        await using var eve = await _edge.ConnectAsAsync("eve", ct);
        await eve.SendAsync(new { type = "direct", to = "dana", content = "first" }, ct);
        await dana.ReceiveAsync("direct", ct);
        var cache = _edge.Services.GetRequiredService<RecipientCache>();
        Assert.True(cache.TryGet("dana", out _, out _));

        // As another edge's connect reaches presence: it returns once this edge acknowledged the push.
        await _edge.Upstream.Presence.Connect(new ConnectRequest { UserId = "dana", EdgeId = "edge-other", ConnectionId = "dana-other" }, null!);

        Assert.False(cache.TryGet("dana", out _, out _), "the old answer is gone before the connect is confirmed");
        await eve.SendAsync(new { type = "direct", to = "dana", content = "second" }, ct);
        Assert.Equal("second", (await dana.ReceiveAsync("direct", ct)).GetProperty("content").GetString());
        Assert.Equal(2, Presence.LookupsOf("dana"));
        Assert.True(cache.TryGet("dana", out var edges, out _));
        Assert.Equal(new[] { _edge.EdgeId, "edge-other" }.Order(StringComparer.Ordinal), edges.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_broken_call_stream_drops_every_answer_and_lookups_carry_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dana = await _edge.ConnectAsAsync("dana", ct);
        await using var eve = await _edge.ConnectAsAsync("eve", ct);
        await eve.SendAsync(new { type = "direct", to = "dana", content = "before" }, ct);
        await dana.ReceiveAsync("direct", ct);
        var cache = _edge.Services.GetRequiredService<RecipientCache>();

        _edge.Upstream.Presence.BreakCallStreams();
        await Eventually.UntilAsync(() => cache.Count == 0, TimeSpan.FromSeconds(10), ct, "the edge dropped its answers with the stream");

        await eve.SendAsync(new { type = "direct", to = "dana", content = "after" }, ct);
        Assert.Equal("after", (await dana.ReceiveAsync("direct", ct)).GetProperty("content").GetString());
        Assert.Equal(2, Presence.LookupsOf("dana"));
    }

    [Fact]
    public async Task Without_a_grant_every_direct_message_looks_its_recipient_up()
    {
        var ct = TestContext.Current.CancellationToken;
        _edge.Upstream.Presence.WatchesLast = TimeSpan.Zero;
        await using var dana = await _edge.ConnectAsAsync("dana", ct);
        await using var eve = await _edge.ConnectAsAsync("eve", ct);

        for (var i = 0; i < 2; i++)
        {
            await eve.SendAsync(new { type = "direct", to = "dana", content = $"m{i}" }, ct);
            await dana.ReceiveAsync("direct", ct);
        }

        Assert.Equal(2, Presence.LookupsOf("dana"));
    }

    [Fact]
    public async Task A_recipient_on_the_same_edge_gets_the_message_without_the_broker()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dana = await _edge.ConnectAsAsync("dana", ct);
        await using var eve = await _edge.ConnectAsAsync("eve", ct);

        await _edge.StopSidecarAsync();
        await eve.SendAsync(new { type = "direct", id = "d-1", to = "dana", content = "local" }, ct);

        var direct = await dana.ReceiveAsync("direct", ct);
        Assert.Equal("local", direct.GetProperty("content").GetString());
        Assert.Equal("eve", direct.GetProperty("from").GetString());
        Assert.False(string.IsNullOrEmpty(direct.GetProperty("id").GetString()));
    }

    private readonly record struct FakePresenceView(Fakes.FakePresence Fake)
    {
        public int LookupsOf(string userId) => Fake.CallLog.Count(c => c == $"LookupUsers {userId}");
    }
}
