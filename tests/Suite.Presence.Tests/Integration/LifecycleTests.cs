using Microsoft.Extensions.DependencyInjection;
using Suite.Contracts.Presence.V1;
using Suite.LocalServers;
using Suite.ServiceDefaults;
using Suite.ServiceDefaults.Lifecycle;
using Suite.Testing;

namespace Suite.Presence.Tests.Integration;

/// <summary>ConnectionLifecycleEvent events on presence.lifecycle: one per connection recorded or removed, ordered per user by version.</summary>
public sealed class LifecycleTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Connect_then_disconnect_publishes_connected_then_disconnected_with_increasing_versions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);

        await presence.ConnectAsync("alice", "edge-a", "phone", ct, new ConnectionAttributes { Platform = "ios", Region = "eu", Tags = { "beta" } });
        await presence.ConnectAsync("alice", "edge-a", "phone", ct);
        await presence.DisconnectAsync("alice", "edge-a", "phone", ct);
        await presence.DisconnectAsync("alice", "edge-a", "phone", ct);

        var events = await presence.Events.WaitForLifecycleAsync(e => e.Count >= 2, ct, "connected and disconnected");
        Assert.Equal(
            [(ConnectionLifecycleKind.Connected, "connect"), (ConnectionLifecycleKind.Disconnected, "client_closed")],
            events.Select(e => (e.Kind, e.Reason)));
        Assert.All(events, e => Assert.Equal(("alice", "phone", "edge-a"), (e.UserId, e.ConnectionId, e.EdgeId)));
        Assert.Equal(("ios", "eu", "beta"), (events[0].Attributes.Platform, events[0].Attributes.Region, events[0].Attributes.Tags.Single()));
        Assert.True(events[1].Version > events[0].Version, $"{events[1].Version} after {events[0].Version}");
        Assert.Equal(presence.Time.GetUtcNow(), events[1].At.ToDateTimeOffset());

        // The same counter as presence.changed, so both topics order a user's events alike.
        var changes = await presence.Events.WaitForPresenceAsync(e => e.Count >= 2, ct, "online and offline");
        Assert.Equal(events.Select(e => e.Version), changes.Select(c => c.Version));
    }

    [Fact]
    public async Task An_expired_edge_lease_publishes_disconnected_for_each_of_its_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", TimeSpan.FromMinutes(1), ct);
        await presence.ConnectAsync("alice", "edge-a", "a1", ct);
        await presence.ConnectAsync("alice", "edge-a", "a2", ct);
        await presence.ConnectAsync("alice", "edge-b", "a3", ct);
        await presence.ConnectAsync("bob", "edge-a", "b1", ct);

        presence.Time.Advance(Lease + TimeSpan.FromSeconds(1));

        var events = await presence.Events.WaitForLifecycleAsync(e => e.Count(x => x.Kind == ConnectionLifecycleKind.Disconnected) >= 3, ct, "the expired edge's connections disconnected");
        var disconnected = events.Where(e => e.Kind == ConnectionLifecycleKind.Disconnected).ToList();
        Assert.Equal(["a1", "a2", "b1"], disconnected.Select(e => e.ConnectionId).Order(StringComparer.Ordinal));
        Assert.All(disconnected, e => Assert.Equal(("edge-a", "edge_lease_expired"), (e.EdgeId, e.Reason)));

        // One change dropped both of alice's connections; each event still has its own, newer version.
        var alice = events.Where(e => e.UserId == "alice").Select(e => e.Version).ToList();
        Assert.Equal(alice.Count, alice.Distinct().Count());
        Assert.True(disconnected.Where(e => e.UserId == "alice").Min(e => e.Version) > events.Where(e => e.UserId == "alice" && e.Kind == ConnectionLifecycleKind.Connected).Max(e => e.Version));
        Assert.Equal(["a3"], (await presence.GetAsync("alice", ct)).Connections.Select(c => c.ConnectionId));
    }

    [Fact]
    public async Task Drained_and_replaced_edges_publish_disconnected_with_their_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "first", Lease, ct);
        await presence.ConnectAsync("alice", "edge-a", "a1", ct);
        await presence.ConnectAsync("bob", "edge-b", "b1", ct);

        await presence.Client.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-a", Incarnation = "inc-a" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        await presence.RegisterAsync("edge-b", "second", Lease, ct);

        var events = await presence.Events.WaitForLifecycleAsync(e => e.Count(x => x.Kind == ConnectionLifecycleKind.Disconnected) >= 2, ct, "both edges' connections disconnected");
        Assert.Equal(
            [("a1", "edge_drained"), ("b1", "edge_replaced")],
            events.Where(e => e.Kind == ConnectionLifecycleKind.Disconnected).Select(e => (e.ConnectionId, e.Reason)).Order());
    }

    [Fact]
    public async Task An_event_whose_publish_failed_arrives_once_the_broker_takes_it_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromMinutes(5), ct);
        var publisher = presence.Services.GetRequiredService<LifecyclePublisher>();

        // The topic's stream key holding a string makes every XADD to it fail (WRONGTYPE).
        await presence.Redis.StringSetAsync(DaprNames.PresenceLifecycleTopic, "not a stream");
        await presence.ConnectAsync("alice", "edge-a", "phone", ct);
        await presence.Events.WaitForPresenceAsync(e => e.Count >= 1, ct, "alice online");
        // presence.changed (the same publisher, another topic) is counted out only after its publish
        // returned, which can be after the test saw it arrive: wait for it, and the stuck event stays.
        await Eventually.UntilAsync(() => publisher.Pending == 1, TimeSpan.FromSeconds(10), ct, "only the lifecycle event pending");

        await presence.Redis.KeyDeleteAsync(DaprNames.PresenceLifecycleTopic);
        var events = await Eventually.UntilAsync(
            async () =>
            {
                // The publisher's backoff runs on the host's clock.
                presence.Time.Advance(TimeSpan.FromMilliseconds(200));
                return await presence.Events.LifecycleAsync();
            },
            e => e.Count >= 1,
            TimeSpan.FromSeconds(10),
            ct,
            "the connect's event published after the failure");

        Assert.Equal([("phone", ConnectionLifecycleKind.Connected)], events.Select(e => (e.ConnectionId, e.Kind)));
        // As with presence.changed above: the event is counted out when its publish returns, which can
        // be after the test read it from the stream.
        await Eventually.UntilAsync(() => publisher.Pending == 0, TimeSpan.FromSeconds(10), ct, "nothing left pending once it was published");
    }

    [Fact]
    public async Task Versions_keep_increasing_across_a_presence_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(ct);
        var appId = "presence-" + Guid.NewGuid().ToString("N")[..6];
        await using (var before = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId))
        {
            await before.RegisterAsync("edge-a", "inc-a", TimeSpan.FromMinutes(5), ct);
            await before.ConnectAsync("alice", "edge-a", "a1", ct);
            await before.DisconnectAsync("alice", "edge-a", "a1", ct);
            await before.Events.WaitForLifecycleAsync(e => e.Count >= 2, ct, "the first process's events");
        }

        await using var after = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId);
        await after.RegisterAsync("edge-b", "inc-b", TimeSpan.FromMinutes(5), ct);
        await after.ConnectAsync("alice", "edge-b", "a2", ct);

        var events = await after.Events.WaitForLifecycleAsync(e => e.Count >= 3, ct, "the restarted process's event");
        Assert.Equal(["a1", "a1", "a2"], events.Select(e => e.ConnectionId));
        Assert.True(events[2].Version > events[1].Version, $"{events[2].Version} after {events[1].Version}");
    }

    [Fact]
    public async Task Lifecycle_events_can_be_turned_off()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct, new Dictionary<string, string> { ["Presence:LifecycleEvents"] = "false" });
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        var publisher = presence.Services.GetRequiredService<LifecyclePublisher>();

        await presence.ConnectAsync("alice", "edge-a", "phone", ct);
        await presence.DisconnectAsync("alice", "edge-a", "phone", ct);

        // presence.changed goes through the same publisher and lands after the calls answer; once it has, no lifecycle event was queued beside it.
        await presence.Events.WaitForPresenceAsync(e => e.Count >= 2, ct, "online and offline still published");
        Assert.Equal((0L, 2L), (publisher.Pending, publisher.Published));
        Assert.Empty(await presence.Events.LifecycleAsync());
    }
}
