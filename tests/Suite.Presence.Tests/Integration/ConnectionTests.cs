using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

public sealed class ConnectionTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task User_with_two_devices_on_two_edges_is_found_on_both_until_the_last_device_leaves()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);

        Assert.True(await presence.ConnectAsync("alice", "edge-a", "phone", ct, new ConnectionAttributes { Platform = "ios", Region = "eu", Tags = { "beta" } }));
        Assert.False(await presence.ConnectAsync("alice", "edge-b", "laptop", ct));
        Assert.True(await presence.ConnectAsync("bob", "edge-b", "bob-1", ct));

        var found = await presence.LookupAsync(ct, "alice", "bob", "carol");
        Assert.Equal(["edge-a", "edge-b"], found["alice"]);
        Assert.Equal(["edge-b"], found["bob"]);
        Assert.False(found.ContainsKey("carol"));

        var alice = await presence.GetAsync("alice", ct);
        Assert.True(alice.Online);
        Assert.Null(alice.LastSeen);
        var phone = Assert.Single(alice.Connections, c => c.ConnectionId == "phone");
        Assert.Equal("edge-a", phone.EdgeId);
        Assert.Equal("ios", phone.Attributes.Platform);
        Assert.Equal("eu", phone.Attributes.Region);
        Assert.Equal(["beta"], phone.Attributes.Tags);

        Assert.False(await presence.DisconnectAsync("alice", "edge-a", "phone", ct));
        Assert.Equal(["edge-b"], (await presence.LookupAsync(ct, "alice"))["alice"]);
        Assert.True(await presence.DisconnectAsync("alice", "edge-b", "laptop", ct));

        Assert.Empty(await presence.LookupAsync(ct, "alice"));
        alice = await presence.GetAsync("alice", ct);
        Assert.False(alice.Online);
        Assert.Empty(alice.Connections);
        Assert.NotNull(alice.LastSeen);
    }

    [Fact]
    public async Task Online_and_offline_are_published_once_per_transition_with_increasing_versions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);

        await presence.ConnectAsync("alice", "edge-a", "phone", ct);
        await presence.ConnectAsync("alice", "edge-b", "laptop", ct);
        await presence.DisconnectAsync("alice", "edge-a", "phone", ct);
        await presence.DisconnectAsync("alice", "edge-b", "laptop", ct);

        var events = await presence.Events.WaitForPresenceAsync(e => e.Count >= 2, ct, "online then offline");
        Assert.Collection(
            events,
            online =>
            {
                Assert.Equal(("alice", PresenceStatus.Online, "edge-a"), (online.UserId, online.Status, online.EdgeId));
                Assert.NotNull(online.Timestamp);
            },
            offline => Assert.Equal(("alice", PresenceStatus.Offline, "edge-b"), (offline.UserId, offline.Status, offline.EdgeId)));
        Assert.True(events[1].Version > events[0].Version);
        Assert.Equal(events[1].Version, (await presence.GetAsync("alice", ct)).Version);

        // Edge events go out through presence's outbox, after the call that made them returned.
        var edges = await presence.Events.WaitForEdgesAsync(e => e.Count >= 2, ct, "both edges registered");
        Assert.Equal([("edge-a", EdgeChange.Registered), ("edge-b", EdgeChange.Registered)], edges.Select(e => (e.EdgeId, e.Change)));
    }

    [Fact]
    public async Task Repeated_connect_and_disconnect_change_nothing_and_publish_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);

        Assert.True(await presence.ConnectAsync("alice", "edge-a", "phone", ct));
        var version = (await presence.GetAsync("alice", ct)).Version;
        Assert.False(await presence.ConnectAsync("alice", "edge-a", "phone", ct));
        Assert.Equal(version, (await presence.GetAsync("alice", ct)).Version);
        Assert.Single((await presence.GetAsync("alice", ct)).Connections);

        Assert.True(await presence.DisconnectAsync("alice", "edge-a", "phone", ct));
        Assert.False(await presence.DisconnectAsync("alice", "edge-a", "phone", ct));
        Assert.False(await presence.DisconnectAsync("nobody", "edge-a", "never-seen", ct));

        var events = await presence.Events.WaitForPresenceAsync(e => e.Count >= 2, ct, "one online, one offline");
        Assert.Equal([PresenceStatus.Online, PresenceStatus.Offline], events.Select(e => e.Status));
    }
}
