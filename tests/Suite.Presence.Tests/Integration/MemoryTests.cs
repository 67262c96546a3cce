using System.Diagnostics;
using StackExchange.Redis;
using Suite.Contracts.Presence.V1;
using Suite.LocalServers;
using Suite.Presence.State;
using Suite.Testing;

namespace Suite.Presence.Tests.Integration;

/// <summary>Lookups from memory, and what keeps them right when replicas come and go; over state.redis.</summary>
public sealed class MemoryTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Lone_replica_answers_lookups_from_memory_without_reading_the_store()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(StateKind.Redis, ct);
        await presence.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await presence.RegisterAsync("edge-b", "inc-b", Lease, ct);
        await presence.WaitUntilAnsweringFromMemoryAsync(ct);
        await presence.ConnectAsync("alice", "edge-a", "phone", ct);
        await presence.ConnectAsync("alice", "edge-b", "laptop", ct);
        await presence.ConnectAsync("bob", "edge-b", "bob-1", ct);
        await presence.DisconnectAsync("bob", "edge-b", "bob-1", ct);
        using var lookups = presence.CountLookups();

        // Behind presence's back: a lookup that read the store would now miss alice.
        await presence.Redis.KeyDeleteAsync(presence.RedisKey(StateKeys.User("alice")));
        var found = await presence.LookupAsync(ct, "alice", "bob", "carol");

        Assert.Equal(["edge-a", "edge-b"], found["alice"]);
        Assert.Equal(["alice"], found.Keys);
        Assert.Equal((1, 0), (lookups.Memory, lookups.Store));
    }

    [Fact]
    public async Task Replica_joined_by_another_answers_from_the_store_and_sees_the_other_s_writes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(ct);
        var appId = "presence-" + Guid.NewGuid().ToString("N")[..6];
        await using var first = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId);
        await first.RegisterAsync("edge-a", "inc-a", Lease, ct);
        await first.ConnectAsync("alice", "edge-a", "phone", ct);
        await first.WaitUntilAnsweringFromMemoryAsync(ct);

        using var lookups = first.CountLookups();
        await using (var second = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId))
        {
            var joinedAt = Stopwatch.GetTimestamp();
            Assert.True(await second.ConnectAsync("bob", "edge-a", "bob-1", ct));

            // The newcomer's first write waits one ReplicaLease (3 s) from its registration, which
            // happened while the host started; without that fence a connect takes milliseconds.
            Assert.True(Stopwatch.GetElapsedTime(joinedAt) > TimeSpan.FromSeconds(1.5), "the joining replica wrote before the live one could notice it");
            Assert.True(await second.DisconnectAsync("alice", "edge-a", "phone", ct));

            var seenByFirst = await first.LookupAsync(ct, "alice", "bob");
            Assert.Equal(["bob"], seenByFirst.Keys);
            Assert.Equal(1, lookups.Store);
        }

        // Alone again, the first replica reloads what the second wrote and trusts its memory again.
        await first.WaitUntilAnsweringFromMemoryAsync(ct);
        await first.Redis.KeyDeleteAsync(first.RedisKey(StateKeys.User("bob")));
        Assert.Equal(["edge-a"], (await first.LookupAsync(ct, "bob", "alice"))["bob"]);
    }

    [Fact]
    public async Task Restarted_replica_loads_the_connections_of_live_leases_and_still_ends_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(ct);
        var appId = "presence-" + Guid.NewGuid().ToString("N")[..6];
        await using (var before = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId))
        {
            // Each host's fake clock starts at its own start: a lease long enough to outlive the restart.
            await before.RegisterAsync("edge-a", "inc-a", Lease, ct);
            await Task.WhenAll(Enumerable.Range(0, 30).Select(i => before.ConnectAsync($"user-{i}", "edge-a", $"c-{i}", ct)));
            await before.DisconnectAsync("user-0", "edge-a", "c-0", ct);
        }

        await using var after = await PresenceHost.StartAsync(StateKind.Redis, ct, redis: redis, appId: appId);
        await after.WaitUntilAnsweringFromMemoryAsync(ct);
        using var lookups = after.CountLookups();
        var found = await after.LookupAsync(ct, Enumerable.Range(0, 30).Select(i => $"user-{i}").ToArray());
        Assert.Equal(Enumerable.Range(1, 29).Select(i => $"user-{i}").Order(), found.Keys.Order());
        Assert.Equal((1, 0), (lookups.Memory, lookups.Store));

        after.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var events = await after.Events.WaitForPresenceAsync(e => e.Count(x => x.Status == PresenceStatus.Offline) >= 30, ct, "every user offline once the lease the first process indexed expired");
        Assert.Equal(30, events.Where(e => e.Status == PresenceStatus.Offline).Select(e => e.UserId).Distinct().Count());
        Assert.Empty(await after.LookupAsync(ct, "user-1", "user-29"));
        await Eventually.UntilAsync(
            async () => ((RedisResult[])(await after.Redis.ExecuteAsync("KEYS", after.RedisKey("presence:index:*")))!).Length,
            left => left == 0,
            TimeSpan.FromSeconds(10),
            ct,
            "the ended lease's index deleted");
    }
}
