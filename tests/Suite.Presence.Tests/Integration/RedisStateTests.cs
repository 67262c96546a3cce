using Suite.Contracts.Presence.V1;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.Presence.Tests.Integration;

/// <summary>Presence over state.redis, where ETags are integer versions and a missing key takes any etag.</summary>
public sealed class RedisStateTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Two_devices_on_two_edges_are_recorded_looked_up_and_removed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.Redis, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);

        Assert.True(await presence.ConnectAsync("alice", "edge-a", "phone", ct));
        Assert.False(await presence.ConnectAsync("alice", "edge-b", "laptop", ct));
        Assert.False(await presence.ConnectAsync("alice", "edge-b", "laptop", ct));
        Assert.Equal(["edge-a", "edge-b"], (await presence.LookupAsync(ct, "alice", "bob"))["alice"]);

        Assert.False(await presence.DisconnectAsync("alice", "edge-a", "phone", ct));
        Assert.True(await presence.DisconnectAsync("alice", "edge-b", "laptop", ct));

        Assert.Empty(await presence.LookupAsync(ct, "alice"));
        var events = await presence.Events.WaitForPresenceAsync(e => e.Count >= 2, ct, "online then offline");
        Assert.Equal([PresenceStatus.Online, PresenceStatus.Offline], events.Select(e => e.Status));
    }

    [Fact]
    public async Task Expired_lease_takes_its_users_offline()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.Redis, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.ConnectAsync("bob", "edge-a", "bob-1", ct);

        presence.Time.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.Empty(await presence.LookupAsync(ct, "bob"));
        await presence.Events.WaitForPresenceAsync(e => e.Any(x => x.UserId == "bob" && x.Status == PresenceStatus.Offline), ct, "bob offline");
        await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.LeaseExpired), ct, "lease expired");
    }

    [Fact]
    public async Task Two_presence_replicas_sweeping_one_expired_lease_end_it_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(ct);
        var appId = "presence-" + Guid.NewGuid().ToString("N")[..6];
        await using var first = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId);
        await using var second = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId);
        await first.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? first : second).ConnectAsync($"user-{i}", "edge-a", $"c-{i}", ct)));
        Assert.Equal(20, (await second.LookupAsync(ct, Enumerable.Range(0, 20).Select(i => $"user-{i}").ToArray())).Count);

        first.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        second.Time.Advance(Lease + TimeSpan.FromSeconds(1));

        var events = await first.Events.WaitForPresenceAsync(e => e.Count(x => x.Status == PresenceStatus.Offline) >= 20, ct, "all 20 users offline");
        var edges = await first.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.LeaseExpired), ct, "lease expired");
        await Eventually.UntilAsync(
            () => first.Client.ListEdgesAsync(new ListEdgesRequest(), cancellationToken: ct).ResponseAsync,
            listed => listed.Edges.Count == 0,
            TimeSpan.FromSeconds(10),
            ct,
            "no edges listed");

        Assert.Equal(20, events.Where(e => e.Status == PresenceStatus.Offline).Select(e => e.UserId).Distinct().Count());
        Assert.Equal(20, events.Count(e => e.Status == PresenceStatus.Offline));
        Assert.Single(edges, e => e.Change == EdgeChange.LeaseExpired);
    }
}
