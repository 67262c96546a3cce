using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Microsoft.Extensions.DependencyInjection;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Lifecycle;

namespace Suite.Room.Tests.Integration;

/// <summary>RoomLifecycleEvent events on room.lifecycle: one per connection joining or leaving a room, ordered by version.</summary>
public sealed class LifecycleTests(RedisFixture redis)
{
    [Fact]
    public async Task Joins_and_leaves_publish_joined_and_left_with_increasing_versions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await RoomHost.StartAsync(redis, StateKind.Redis, ct);
        var (roomId, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));

        await room.JoinAsync(roomId, "alice", edge, "phone", ct);
        await room.JoinAsync(roomId, "alice", edge, "laptop", ct);
        await room.JoinAsync(roomId, "alice", edge, "phone", ct);
        await room.Client.LeaveAsync(new LeaveRequest { RoomId = roomId, UserId = "alice", EdgeId = edge, ConnectionId = "phone" }, deadline: RoomHost.Deadline(), cancellationToken: ct);
        await room.Client.ReleaseConnectionAsync(new ReleaseConnectionRequest { UserId = "alice", EdgeId = edge, ConnectionId = "laptop", RoomIds = { roomId } }, deadline: RoomHost.Deadline(), cancellationToken: ct);

        var events = await room.LifecycleAsync(roomId, 4, ct);
        Assert.Equal(
            [
                (RoomLifecycleKind.Joined, "phone", "join", true),
                (RoomLifecycleKind.Joined, "laptop", "join", false),
                (RoomLifecycleKind.Left, "phone", "leave", false),
                (RoomLifecycleKind.Left, "laptop", "connection_closed", true),
            ],
            events.Select(e => (e.Kind, e.ConnectionId, e.Reason, e.UserChanged)));
        Assert.All(events, e => Assert.Equal(("alice", edge), (e.UserId, e.EdgeId)));
        Assert.All(events, e => Assert.NotNull(e.At));
        Assert.Equal(events.Select(e => e.Version).Order(), events.Select(e => e.Version));
        Assert.Equal(4, events.Select(e => e.Version).Distinct().Count());
    }

    [Fact]
    public async Task An_expired_edge_lease_publishes_left_for_every_room_membership_of_its_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await RoomHost.StartAsync(redis, StateKind.Redis, ct);
        var (first, second, live, dead) = (RoomHost.NewId("r"), RoomHost.NewId("r"), RoomHost.NewId("live"), RoomHost.NewId("dead"));
        await PublishEdgeChangedAsync(room, dead, "inc-1", EdgeChange.Registered, ct);
        await room.JoinAsync(first, "alice", live, "a1", ct);
        await room.JoinAsync(first, "bob", dead, "b1", ct);
        await room.JoinAsync(first, "bob", dead, "b2", ct);
        await room.JoinAsync(second, "bob", dead, "b1", ct);

        await PublishEdgeChangedAsync(room, dead, "inc-1", EdgeChange.LeaseExpired, ct);

        var firstLeft = (await room.LifecycleAsync(first, 5, ct)).Where(e => e.Kind == RoomLifecycleKind.Left).ToList();
        var secondLeft = (await room.LifecycleAsync(second, 2, ct)).Where(e => e.Kind == RoomLifecycleKind.Left).ToList();
        Assert.Equal(["b1", "b2"], firstLeft.Select(e => e.ConnectionId).Order(StringComparer.Ordinal));
        Assert.Equal(["b1"], secondLeft.Select(e => e.ConnectionId));
        Assert.All(firstLeft.Concat(secondLeft), e => Assert.Equal(("bob", dead, "edge_lease_expired"), (e.UserId, e.EdgeId, e.Reason)));
        Assert.Equal(1, firstLeft.Count(e => e.UserChanged));
        Assert.Equal(2, firstLeft.Select(e => e.Version).Distinct().Count());
        var joinedVersions = (await room.LifecycleAsync(first)).Where(e => e.Kind == RoomLifecycleKind.Joined).Select(e => e.Version);
        Assert.True(firstLeft.Min(e => e.Version) > joinedVersions.Max());

        // The members left in the room hear that bob is gone.
        var left = await room.DeliveriesAsync(live, "user:left", 1, ct);
        Assert.Equal(["bob"], left.Where(d => d.RoomId == first).Select(d => d.Message.UserId));
    }

    [Fact]
    public async Task A_deregistered_edge_publishes_left_with_reason_edge_drained()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await RoomHost.StartAsync(redis, StateKind.InMemory, ct);
        var (roomId, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await PublishEdgeChangedAsync(room, edge, "inc-1", EdgeChange.Registered, ct);
        await room.JoinAsync(roomId, "bob", edge, "b1", ct);

        await PublishEdgeChangedAsync(room, edge, "inc-1", EdgeChange.Deregistered, ct);

        var events = await room.LifecycleAsync(roomId, 2, ct);
        Assert.Equal((RoomLifecycleKind.Left, "b1", "edge_drained", true), (events[1].Kind, events[1].ConnectionId, events[1].Reason, events[1].UserChanged));
    }

    [Fact]
    public async Task Versions_keep_increasing_when_another_replica_takes_the_room_over()
    {
        var ct = TestContext.Current.CancellationToken;
        var appId = "room-" + Guid.NewGuid().ToString("N")[..6];
        var (roomId, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));
        await using (var before = await RoomHost.StartAsync(redis, StateKind.Redis, ct, appId: appId))
        {
            await before.JoinAsync(roomId, "alice", edge, "a1", ct);
            await before.JoinAsync(roomId, "bob", edge, "b1", ct);
            await before.LifecycleAsync(roomId, 2, ct);
        }

        await using var after = await RoomHost.StartAsync(redis, StateKind.Redis, ct, appId: appId);
        await after.JoinAsync(roomId, "carol", edge, "c1", ct);

        var events = await after.LifecycleAsync(roomId, 3, ct);
        Assert.Equal(["a1", "b1", "c1"], events.Select(e => e.ConnectionId));
        Assert.True(events[2].Version > events[1].Version, $"{events[2].Version} after {events[1].Version}");
    }

    [Fact]
    public async Task Lifecycle_events_can_be_turned_off()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var room = await RoomHost.StartAsync(redis, StateKind.InMemory, ct, new Dictionary<string, string> { ["Rooms:LifecycleEvents"] = "false" });
        var (roomId, edge) = (RoomHost.NewId("r"), RoomHost.NewId("e"));

        await room.JoinAsync(roomId, "alice", edge, "a1", ct);
        await room.JoinAsync(roomId, "bob", edge, "b1", ct);

        // An event is queued inside the turn, before the join answers: none was.
        var publisher = room.Services.GetRequiredService<LifecyclePublisher>();
        Assert.Equal((0L, 0L), (publisher.Pending, publisher.Published));
        await room.DeliveriesAsync(edge, "user:joined", 2, ct);
        Assert.Empty(await room.LifecycleAsync(roomId));
    }

    private static Task PublishEdgeChangedAsync(RoomHost room, string edgeId, string incarnation, EdgeChange change, CancellationToken cancellationToken)
    {
        var evt = new EdgeChanged { EdgeId = edgeId, Incarnation = incarnation, Change = change, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow) };
        return room.Dapr.PublishEventAsync(DaprNames.PubSub, DaprNames.PresenceEdgesTopic, JsonSerializer.Deserialize<JsonElement>(JsonFormatter.Default.Format(evt)), cancellationToken);
    }
}
