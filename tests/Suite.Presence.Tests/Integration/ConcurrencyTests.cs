using Suite.Contracts.Presence.V1;

namespace Suite.Presence.Tests.Integration;

/// <summary>Many edges updating one user's record at once: ETags and retries lose nothing, over both stores.</summary>
public sealed class ConcurrencyTests
{
    private const int Devices = 50;

    [Theory]
    [InlineData(StateKind.InMemory)]
    [InlineData(StateKind.Redis)]
    public async Task Fifty_parallel_connects_of_one_user_are_all_recorded_and_publish_one_online(StateKind stateKind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(stateKind, ct);
        string[] edges = ["edge-a", "edge-b", "edge-c", "edge-d", "edge-e"];
        foreach (var edge in edges)
        {
            await presence.RegisterAsync(edge, "inc-" + edge, TimeSpan.FromMinutes(1), ct);
        }

        var cameOnline = await Task.WhenAll(Enumerable.Range(0, Devices).Select(i => presence.ConnectAsync("alice", edges[i % edges.Length], $"device-{i}", ct)));

        var alice = await presence.GetAsync("alice", ct);
        Assert.Equal(Enumerable.Range(0, Devices).Select(i => $"device-{i}").Order(), alice.Connections.Select(c => c.ConnectionId).Order());
        Assert.Equal(1, cameOnline.Count(online => online));
        Assert.Equal(edges, (await presence.LookupAsync(ct, "alice"))["alice"]);
        Assert.Equal((ulong)Devices, alice.Version);

        var wentOffline = await Task.WhenAll(Enumerable.Range(0, Devices).Select(i => presence.DisconnectAsync("alice", edges[i % edges.Length], $"device-{i}", ct)));

        Assert.Equal(1, wentOffline.Count(offline => offline));
        Assert.Empty((await presence.GetAsync("alice", ct)).Connections);
        var events = await presence.Events.WaitForPresenceAsync(e => e.Count >= 2, ct, "one online and one offline");
        Assert.Equal([PresenceStatus.Online, PresenceStatus.Offline], events.Select(e => e.Status));
    }

    [Theory]
    [InlineData(StateKind.InMemory)]
    [InlineData(StateKind.Redis)]
    public async Task Connections_on_an_edge_that_expires_while_users_connect_elsewhere_are_all_accounted_for(StateKind stateKind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var presence = await PresenceHost.StartAsync(stateKind, ct);
        await presence.RegisterAsync("edge-a", "inc-a", TimeSpan.FromSeconds(10), ct);
        await presence.RegisterAsync("edge-b", "inc-b", TimeSpan.FromMinutes(5), ct);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => presence.ConnectAsync($"user-{i}", "edge-a", $"a-{i}", ct)));

        presence.Time.Advance(TimeSpan.FromSeconds(11));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => presence.ConnectAsync($"user-{i}", "edge-b", $"b-{i}", ct)));

        // A user on both edges may turn offline and online again when the sweep overtakes its second
        // connect; consumers keep the highest version per user, so that is what must be right.
        // Events are published after the calls answer, so the wait is for the view to settle as expected.
        static Dictionary<string, PresenceStatus> Latest(IEnumerable<PresenceChanged> events) =>
            events.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.MaxBy(e => e.Version)!.Status);
        var expected = Enumerable.Range(0, 20).ToDictionary(i => $"user-{i}", i => i < 10 ? PresenceStatus.Online : PresenceStatus.Offline);
        var events = await presence.Events.WaitForPresenceAsync(
            e => Latest(e).Count == 20 && Latest(e).All(p => expected[p.Key] == p.Value),
            ct,
            "users on edge-b online and users only on edge-a offline, by their latest versions");
        Assert.Equal(expected.OrderBy(p => p.Key), Latest(events).OrderBy(p => p.Key));
        var found = await presence.LookupAsync(ct, Enumerable.Range(0, 20).Select(i => $"user-{i}").ToArray());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"user-{i}").Order(), found.Keys.Order());
        Assert.All(found.Values, edgeIds => Assert.Equal(["edge-b"], edgeIds));
    }
}
