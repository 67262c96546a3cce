using Grpc.Core;
using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

public sealed class LeaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Edge_that_stops_renewing_loses_its_users_within_the_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);
        await presence.ConnectAsync("alice", "edge-a", "alice-phone", ct);
        await presence.ConnectAsync("alice", "edge-b", "alice-laptop", ct);
        await presence.ConnectAsync("bob", "edge-a", "bob-1", ct);

        presence.Time.Advance(TimeSpan.FromSeconds(6));
        await presence.Client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-b", Incarnation = "inc-b" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        presence.Time.Advance(TimeSpan.FromSeconds(5));

        var found = await presence.LookupAsync(ct, "alice", "bob");
        Assert.Equal(["edge-b"], found["alice"]);
        Assert.False(found.ContainsKey("bob"));

        var events = await presence.Events.WaitForPresenceAsync(e => e.Any(x => x.UserId == "bob" && x.Status == PresenceStatus.Offline), ct, "bob offline after edge-a expired");
        Assert.DoesNotContain(events, e => e.UserId == "alice" && e.Status == PresenceStatus.Offline);
        Assert.Equal("edge-a", events.Single(e => e.UserId == "bob" && e.Status == PresenceStatus.Offline).EdgeId);
        var edges = await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.LeaseExpired), ct, "edge-a expired");
        Assert.Equal(("edge-a", "inc-a"), edges.Where(e => e.Change == EdgeChange.LeaseExpired).Select(e => (e.EdgeId, e.Incarnation)).Single());

        var alice = await presence.GetAsync("alice", ct);
        Assert.Equal(["alice-laptop"], alice.Connections.Select(c => c.ConnectionId));
        var listed = await presence.Client.ListEdgesAsync(new ListEdgesRequest(), deadline: PresenceHost.Deadline(), cancellationToken: ct);
        Assert.Equal(["edge-b"], listed.Edges.Select(e => e.EdgeId));

        var renew = await Assert.ThrowsAsync<RpcException>(() => presence.Client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-a", Incarnation = "inc-a" }, deadline: PresenceHost.Deadline(), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, renew.StatusCode);
        var connect = await Assert.ThrowsAsync<RpcException>(() => presence.ConnectAsync("bob", "edge-a", "bob-2", ct));
        Assert.Equal(StatusCode.FailedPrecondition, connect.StatusCode);
    }

    [Fact]
    public async Task Edge_that_re_registers_after_expiry_replays_its_connections_under_the_new_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.ConnectAsync("bob", "edge-a", "bob-1", ct);

        presence.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        await presence.Events.WaitForPresenceAsync(e => e.Any(x => x.Status == PresenceStatus.Offline), ct, "bob offline");

        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        Assert.True(await presence.ConnectAsync("bob", "edge-a", "bob-1", ct));

        Assert.Equal(["edge-a"], (await presence.LookupAsync(ct, "bob"))["bob"]);
        var events = await presence.Events.WaitForPresenceAsync(e => e.Count >= 3, ct, "online, offline, online");
        Assert.Equal([PresenceStatus.Online, PresenceStatus.Offline, PresenceStatus.Online], events.Select(e => e.Status));
        Assert.True(events[2].Version > events[1].Version);
    }

    [Fact]
    public async Task Lease_generation_of_a_re_registered_edge_travels_in_its_lease_and_edge_events()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        var first = await RegisterAsync(presence, 1, ct);
        var repeated = await RegisterAsync(presence, 1, ct);

        presence.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.LeaseExpired), ct, "the lease expired");
        var second = await RegisterAsync(presence, 2, ct);

        var edges = await presence.Events.WaitForEdgesAsync(e => e.Count(x => x.Change == EdgeChange.Registered) == 2, ct, "registered twice");
        Assert.Equal([1UL, 1UL, 2UL], new[] { first, repeated, second }.Select(l => l.LeaseGeneration));
        Assert.Equal(
            [(EdgeChange.Registered, 1UL), (EdgeChange.LeaseExpired, 1UL), (EdgeChange.Registered, 2UL)],
            edges.Select(e => (e.Change, e.LeaseGeneration)));
    }

    private static Task<EdgeLease> RegisterAsync(PresenceHost presence, ulong generation, CancellationToken ct) =>
        presence.Client.RegisterEdgeAsync(
            new RegisterEdgeRequest { EdgeId = "edge-a", Incarnation = "inc-a", LeaseDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(Lease), LeaseGeneration = generation },
            deadline: PresenceHost.Deadline(),
            cancellationToken: ct).ResponseAsync;

    [Fact]
    public async Task New_incarnation_of_an_edge_replaces_the_old_one_and_drops_its_connections()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "first", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);
        await presence.ConnectAsync("alice", "edge-a", "alice-old", ct);
        await presence.ConnectAsync("carol", "edge-a", "carol-old", ct);
        await presence.ConnectAsync("carol", "edge-b", "carol-b", ct);

        var lease = await presence.RegisterAsync("edge-a", "second", Lease, ct);
        Assert.Equal("second", lease.Incarnation);

        // The replacement dropped the old connections before it answered.
        Assert.Empty(await presence.LookupAsync(ct, "alice"));
        Assert.Equal(["carol-b"], (await presence.GetAsync("carol", ct)).Connections.Select(c => c.ConnectionId));
        Assert.True(await presence.ConnectAsync("alice", "edge-a", "alice-new", ct));
        Assert.Equal(["edge-a"], (await presence.LookupAsync(ct, "alice"))["alice"]);

        var stale = await Assert.ThrowsAsync<RpcException>(() => presence.Client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-a", Incarnation = "first" }, deadline: PresenceHost.Deadline(), cancellationToken: ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        var renewed = await presence.Client.RenewEdgeLeaseAsync(new RenewEdgeLeaseRequest { EdgeId = "edge-a", Incarnation = "second" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        Assert.Equal("second", renewed.Incarnation);

        var edges = await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.Replaced), ct, "the first incarnation replaced");
        Assert.Equal("first", edges.Single(e => e.Change == EdgeChange.Replaced).Incarnation);
        var events = await presence.Events.WaitForPresenceAsync(e => e.Count(x => x.UserId == "alice") >= 3, ct, "alice online, offline, online");
        Assert.Equal([PresenceStatus.Online, PresenceStatus.Offline, PresenceStatus.Online], events.Where(e => e.UserId == "alice").Select(e => e.Status));
        Assert.DoesNotContain(events, e => e.UserId == "carol" && e.Status == PresenceStatus.Offline);
    }

    [Fact]
    public async Task Registering_again_with_the_same_incarnation_only_renews()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        var first = await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.ConnectAsync("alice", "edge-a", "phone", ct);

        presence.Time.Advance(TimeSpan.FromSeconds(4));
        var again = await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);

        Assert.True(again.ExpiresAt.ToDateTimeOffset() > first.ExpiresAt.ToDateTimeOffset());
        Assert.Equal(["edge-a"], (await presence.LookupAsync(ct, "alice"))["alice"]);

        // Edge events go out in order through presence's outbox: one the renewal made would come
        // before the marker's.
        await presence.RegisterAsync("edge-marker", "inc-m", Lease, ct);
        var edges = await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.EdgeId == "edge-marker"), ct, "the marker registered");
        Assert.Equal([("edge-a", EdgeChange.Registered), ("edge-marker", EdgeChange.Registered)], edges.Select(e => (e.EdgeId, e.Change)));
    }

    [Fact]
    public async Task Deregistered_edge_drops_its_connections_at_once_and_is_idempotent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);
        await presence.ConnectAsync("alice", "edge-a", "a1", ct);
        await presence.ConnectAsync("alice", "edge-a", "a2", ct);
        await presence.ConnectAsync("bob", "edge-a", "b1", ct);
        await presence.ConnectAsync("bob", "edge-b", "b2", ct);

        var stranger = await presence.Client.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-a", Incarnation = "someone-else" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        Assert.Equal(0, stranger.ConnectionsRemoved);
        Assert.Equal(["edge-a"], (await presence.LookupAsync(ct, "alice"))["alice"]);

        var response = await presence.Client.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-a", Incarnation = "inc-a" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        Assert.Equal(3, response.ConnectionsRemoved);

        var found = await presence.LookupAsync(ct, "alice", "bob");
        Assert.False(found.ContainsKey("alice"));
        Assert.Equal(["edge-b"], found["bob"]);
        var again = await presence.Client.DeregisterEdgeAsync(new DeregisterEdgeRequest { EdgeId = "edge-a", Incarnation = "inc-a" }, deadline: PresenceHost.Deadline(), cancellationToken: ct);
        Assert.Equal(0, again.ConnectionsRemoved);
        Assert.False(await presence.DisconnectAsync("alice", "edge-a", "a1", ct));

        var listed = await presence.Client.ListEdgesAsync(new ListEdgesRequest(), deadline: PresenceHost.Deadline(), cancellationToken: ct);
        Assert.Equal(["edge-b"], listed.Edges.Select(e => e.EdgeId));
        var events = await presence.Events.WaitForPresenceAsync(e => e.Any(x => x.Status == PresenceStatus.Offline), ct, "alice offline");
        Assert.Equal(["alice"], events.Where(e => e.Status == PresenceStatus.Offline).Select(e => e.UserId));
        var edges = await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.Deregistered), ct, "edge-a deregistered");
        Assert.Single(edges, e => e.Change == EdgeChange.Deregistered);
    }

    [Fact]
    public async Task Lease_duration_is_clamped_to_the_configured_bounds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct, new Dictionary<string, string>
        {
            ["Presence:MinLeaseDuration"] = "00:00:05",
            ["Presence:MaxLeaseDuration"] = "00:01:00",
        });

        var tiny = await presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromMilliseconds(10), ct);
        var huge = await presence.RegisterAsync("edge-b", "inc-b", TimeSpan.FromHours(1), ct);

        Assert.Equal(TimeSpan.FromSeconds(5), tiny.LeaseDuration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMinutes(1), huge.LeaseDuration.ToTimeSpan());
        Assert.Equal(presence.Time.GetUtcNow() + TimeSpan.FromSeconds(5), tiny.ExpiresAt.ToDateTimeOffset());
    }
}
