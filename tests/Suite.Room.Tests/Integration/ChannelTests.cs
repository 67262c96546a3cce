using Suite.Contracts.Room.V1;
using static Suite.Room.Tests.Integration.MembershipTests;

namespace Suite.Room.Tests.Integration;

/// <summary>Channel subscriptions, the channel -> edges index and publications.</summary>
public sealed class ChannelTests(RedisFixture redis) : IAsyncLifetime
{
    private RoomHost _room = null!;

    public async ValueTask InitializeAsync() => _room = await RoomHost.StartAsync(redis, StateKind.InMemory, TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _room.DisposeAsync();

    [Fact]
    public async Task A_publication_goes_once_to_each_edge_with_subscribers()
    {
        var ct = TestContext.Current.CancellationToken;
        var (channel, edgeA, edgeB, edgeC) = (RoomHost.NewId("prices"), RoomHost.NewId("ea"), RoomHost.NewId("eb"), RoomHost.NewId("ec"));
        await Subscribe(channel, "alice", edgeA, "a1");
        await Subscribe(channel, "alice", edgeA, "a1");
        await Subscribe(channel, "carol", edgeA, "c1");
        await Subscribe(channel, "bob", edgeB, "b1");
        await Subscribe(channel, "dave", edgeC, "d1");
        await _room.Client.UnsubscribeAsync(new UnsubscribeRequest { Channel = channel, UserId = "dave", EdgeId = edgeC, ConnectionId = "d1" }, cancellationToken: ct);
        await _room.Client.UnsubscribeAsync(new UnsubscribeRequest { Channel = channel, UserId = "dave", EdgeId = edgeC, ConnectionId = "d1" }, cancellationToken: ct);

        var edges = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
        var published = await _room.Client.PublishToChannelAsync(
            new PublishToChannelRequest { Channel = channel, Type = "price_update", ContentJson = """{"p":42}""", MessageId = "m-1", DroppableKey = "BTC" },
            cancellationToken: ct);

        Assert.Equal([(edgeA, 2), (edgeB, 1)], edges.Edges.Select(e => (e.EdgeId, e.Connections)).OrderBy(e => e.EdgeId == edgeB));
        Assert.Equal("m-1", published.MessageId);
        Assert.Equal(2, published.EdgesTargeted);
        foreach (var edge in new[] { edgeA, edgeB })
        {
            var delivery = Assert.Single(await _room.DeliveriesAsync(edge));
            Assert.Equal(channel, delivery.Channel);
            Assert.Equal("BTC", delivery.DroppableKey);
            Assert.Equal("m-1", delivery.Message.Id);
            var frame = Frame(delivery.Message);
            Assert.Equal(["type", "channel", "content", "timestamp", "id"], frame.EnumerateObject().Select(p => p.Name));
            Assert.Equal("price_update", frame.GetProperty("type").GetString());
            Assert.Equal(42, frame.GetProperty("content").GetProperty("p").GetInt32());
        }

        Assert.Empty(await _room.DeliveriesAsync(edgeC));

        Task Subscribe(string c, string user, string edge, string connection) =>
            _room.Client.SubscribeAsync(new SubscribeRequest { Channel = c, UserId = user, EdgeId = edge, ConnectionId = connection }, cancellationToken: ct).ResponseAsync;
    }

    [Fact]
    public async Task Releasing_a_connection_unsubscribes_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (channel, edge) = (RoomHost.NewId("news"), RoomHost.NewId("e"));
        await _room.Client.SubscribeAsync(new SubscribeRequest { Channel = channel, UserId = "alice", EdgeId = edge, ConnectionId = "a1" }, cancellationToken: ct);

        await _room.Client.ReleaseConnectionAsync(new ReleaseConnectionRequest { UserId = "alice", EdgeId = edge, ConnectionId = "a1", Channels = { channel } }, cancellationToken: ct);

        var edges = await _room.Client.GetChannelEdgesAsync(new GetChannelEdgesRequest { Channel = channel }, cancellationToken: ct);
        var published = await _room.Client.PublishToChannelAsync(new PublishToChannelRequest { Channel = channel, ContentJson = "1" }, cancellationToken: ct);
        Assert.Empty(edges.Edges);
        Assert.Equal(0, published.EdgesTargeted);
        Assert.Empty(await _room.DeliveriesAsync(edge));
    }
}
