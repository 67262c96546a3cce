using Suite.Contracts.Presence.V1;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// presence.edges events outlive a broker that refuses publishes: room stops fanning out to a dead
/// edge only when it hears its lease ended, so the event must go out once the broker is back, after
/// the events before it, whether presence stayed up or restarted meanwhile.
/// </summary>
public sealed class EdgeEventOutboxTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Lease_that_expires_while_the_broker_refuses_publishes_is_published_once_it_accepts_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await RedisServer.StartAsync(ct);
        await using var faults = await BrokerFaults.ConnectAsync(broker);
        await using var presence = await PresenceHost.StartAsync(StateKind.InMemory, ct, broker: broker);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.ConnectAsync("bob", "edge-a", "bob-1", ct);
        await presence.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.Registered), ct, "edge-a registered");

        await faults.RefusePublishesAsync();
        await ExpireWhileRefusedAsync(presence, faults, ct);

        // Minutes of outage: the outbox keeps trying with backoff and keeps the event.
        for (var minute = 0; minute < 5; minute++)
        {
            presence.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var refused = await faults.RefusedPublishesAsync();
        await faults.AcceptPublishesAsync();

        var edges = await WaitForExpiryAsync(presence, ct);
        Assert.Equal(
            [("edge-a", EdgeChange.Registered), ("edge-a", EdgeChange.LeaseExpired)],
            edges.Select(e => (e.EdgeId, e.Change)));
        Assert.True(refused >= 2, $"the broker refused {refused} publishes; the lease's end and bob's offline were expected");
    }

    [Fact]
    public async Task Lease_end_stored_while_the_broker_refused_publishes_is_published_by_the_next_presence_process()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = await RedisServer.StartAsync(ct);
        await using var state = await RedisServer.StartAsync(ct);
        await using var faults = await BrokerFaults.ConnectAsync(broker);
        var appId = "presence-" + Guid.NewGuid().ToString("N")[..6];
        await using (var first = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: state, appId: appId, broker: broker))
        {
            await first.RegisterAsync("edge-a", "inc-a", Lease, ct);
            await first.ConnectAsync("bob", "edge-a", "bob-1", ct);
            await first.Events.WaitForEdgesAsync(e => e.Any(x => x.Change == EdgeChange.Registered), ct, "edge-a registered");

            await faults.RefusePublishesAsync();
            await ExpireWhileRefusedAsync(first, faults, ct);
        }

        await faults.AcceptPublishesAsync();
        await using var second = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: state, appId: appId, broker: broker);

        var edges = await WaitForExpiryAsync(second, ct);
        Assert.Equal(
            [("edge-a", "inc-a", EdgeChange.Registered), ("edge-a", "inc-a", EdgeChange.LeaseExpired)],
            edges.Select(e => (e.EdgeId, e.Incarnation, e.Change)));
    }

    // The lease ends (bob goes offline) and presence tries to publish both the lease's end and bob's
    // offline, which the broker refuses.
    private static async Task ExpireWhileRefusedAsync(PresenceHost presence, BrokerFaults faults, CancellationToken ct)
    {
        var refusedBefore = await faults.RefusedPublishesAsync();
        presence.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => presence.LookupAsync(ct, "bob"), found => !found.ContainsKey("bob"), TimeSpan.FromSeconds(10), ct, "bob offline once edge-a's lease expired");
        await Eventually.UntilAsync(faults.RefusedPublishesAsync, refused => refused >= refusedBefore + 2, TimeSpan.FromSeconds(10), ct, "the broker refused the lease's end and bob's offline");
    }

    // Retries wait on presence's clock: moved on while waiting, as the minutes of a real outage would pass.
    private static Task<IReadOnlyList<EdgeChanged>> WaitForExpiryAsync(PresenceHost presence, CancellationToken ct) =>
        Eventually.UntilAsync(
            async () =>
            {
                presence.Time.Advance(TimeSpan.FromSeconds(1));
                return await presence.Events.EdgeChangesAsync();
            },
            edges => edges.Any(e => e.Change == EdgeChange.LeaseExpired),
            TimeSpan.FromSeconds(20),
            ct,
            "edge-a's lease end published once the broker accepted publishes again");
}
