using System.Text.Json;
using Suite.Contracts.Presence.V1;
using Suite.Edge.Direct;
using Suite.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// Direct messages' recipients from the edge's cache while presence watches them (its fake serves
/// the real watches over the real call stream), and the same-edge short cut. Eve writes to Dana,
/// both connected to the one edge.
/// </summary>
public sealed class DirectRecipientsTests : IAsyncLifetime
{
    private EdgeHost _edge = null!;
    private TestClient _dana = null!;
    private TestClient _eve = null!;

    private FakePresenceView Presence => new(_edge.Upstream.Presence);

    private RecipientCache Cache => _edge.Services.GetRequiredService<RecipientCache>();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _edge = await EdgeHost.StartAsync(ct);
        _edge.Upstream.Presence.WatchesLast = TimeSpan.FromSeconds(30);
        _dana = await _edge.ConnectAsAsync("dana", ct);
        _eve = await _edge.ConnectAsAsync("eve", ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _eve.DisposeAsync();
        await _dana.DisposeAsync();
        await _edge.DisposeAsync();
    }

    [Fact]
    public async Task Direct_messages_to_a_watched_user_look_it_up_once()
    {
        var ct = TestContext.Current.CancellationToken;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($"m{i}", ContentOf(await EveWritesToDanaAsync($"m{i}", ct)));
        }

        Assert.Equal(1, Presence.LookupsOf("dana"));
    }

    [Fact]
    public async Task A_connect_on_another_edge_is_confirmed_only_after_this_edge_dropped_its_answer()
    {
        var ct = TestContext.Current.CancellationToken;
        await EveWritesToDanaAsync("first", ct);
        Assert.True(Cache.TryGet("dana", out _, out _));

        // As another edge's connect reaches presence: it returns once this edge acknowledged the push.
        await _edge.Upstream.Presence.Connect(new ConnectRequest { UserId = "dana", EdgeId = "edge-other", ConnectionId = "dana-other" }, null!);

        Assert.False(Cache.TryGet("dana", out _, out _), "the old answer is gone before the connect is confirmed");
        Assert.Equal("second", ContentOf(await EveWritesToDanaAsync("second", ct)));
        Assert.Equal(2, Presence.LookupsOf("dana"));
        Assert.True(Cache.TryGet("dana", out var edges, out _));
        Assert.Equal(new[] { _edge.EdgeId, "edge-other" }.Order(StringComparer.Ordinal), edges.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_broken_call_stream_drops_every_answer_and_lookups_carry_on()
    {
        var ct = TestContext.Current.CancellationToken;
        await EveWritesToDanaAsync("before", ct);

        _edge.Upstream.Presence.BreakCallStreams();
        await Eventually.UntilAsync(() => Cache.Count == 0, TimeSpan.FromSeconds(10), ct, "the edge dropped its answers with the stream");

        Assert.Equal("after", ContentOf(await EveWritesToDanaAsync("after", ct)));
        Assert.Equal(2, Presence.LookupsOf("dana"));
    }

    [Fact]
    public async Task Without_a_grant_every_direct_message_looks_its_recipient_up()
    {
        var ct = TestContext.Current.CancellationToken;
        _edge.Upstream.Presence.WatchesLast = TimeSpan.Zero;

        for (var i = 0; i < 2; i++)
        {
            await EveWritesToDanaAsync($"m{i}", ct);
        }

        Assert.Equal(2, Presence.LookupsOf("dana"));
    }

    [Fact]
    public async Task A_recipient_on_the_same_edge_gets_the_message_without_the_broker()
    {
        var ct = TestContext.Current.CancellationToken;

        await _edge.StopSidecarAsync();
        var direct = await EveWritesToDanaAsync("local", ct, id: "d-1");

        Assert.Equal("local", ContentOf(direct));
        Assert.Equal("eve", direct.GetProperty("from").GetString());
        Assert.False(string.IsNullOrEmpty(direct.GetProperty("id").GetString()));
    }

    // Eve sends a direct message to Dana; returns the frame Dana receives.
    private async Task<JsonElement> EveWritesToDanaAsync(string content, CancellationToken ct, string? id = null)
    {
        object frame = id is null ? new { type = "direct", to = "dana", content } : new { type = "direct", id, to = "dana", content };
        await _eve.SendAsync(frame, ct);
        return await _dana.ReceiveAsync("direct", ct);
    }

    private static string? ContentOf(JsonElement direct) => direct.GetProperty("content").GetString();

    private readonly record struct FakePresenceView(Fakes.FakePresence Fake)
    {
        public int LookupsOf(string userId) => Fake.CallLog.Count(c => c == $"LookupUsers {userId}");
    }
}
