using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Upstream;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

/// <summary>
/// An edge whose lease lapsed while it lived (presence ended it) registers the next generation of
/// its lease and replays its connections' rooms and channels to room, in the background.
/// </summary>
public sealed class LeaseReplayTests
{
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(5); // a third of the default 15 s lease
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    // The tests move the edge's clock by minutes; no keep-alive pings, which the clients here would
    // answer only while they read.
    private static readonly Dictionary<string, string> NoPings = new() { ["Connections:HeartbeatInterval"] = "00:00:00" };

    [Fact]
    public async Task After_a_lapsed_lease_the_edge_joins_and_subscribes_its_connections_again_under_the_next_generation_without_telling_the_client()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await RegisteredEdgeAsync(ct);
        var presence = edge.Upstream.Presence;
        var room = edge.Upstream.Room;
        await using var client = await JoinedAsync(edge, "alice", "r1", ct);
        await client.SendAsync(new { type = "subscribe", channel = "c1" }, ct);
        await client.ReceiveAsync("subscribed", ct);
        var incarnation = edge.Services.GetRequiredService<EdgeLeaseService>().Incarnation;
        Assert.Equal((incarnation, 1UL), (room.Joins.Single().EdgeIncarnation, room.Joins.Single().LeaseGeneration));

        presence.Expire(edge.EdgeId);

        // One renewal finds the lease gone, the next tick registers generation 2 and replays.
        await Eventually.UntilAsync(
            () =>
            {
                edge.Time.Advance(Renewal);
                return room.Joins.Count == 2 && room.Subscriptions.Count == 2;
            },
            Wait,
            ct,
            "the edge joins and subscribes its connection again");
        Assert.Equal(2UL, presence.Registrations.Last().LeaseGeneration);
        var rejoin = room.Joins.Last();
        Assert.Equal(("r1", "alice", client.ConnectionId, incarnation, 2UL), (rejoin.RoomId, rejoin.UserId, rejoin.ConnectionId, rejoin.EdgeIncarnation, rejoin.LeaseGeneration));
        var resubscribe = room.Subscriptions.Last();
        Assert.Equal(("c1", client.ConnectionId, 2UL), (resubscribe.Channel, resubscribe.ConnectionId, resubscribe.LeaseGeneration));

        // Joins after the lapse carry the new generation too.
        await client.SendAsync(new { type = "join", roomId = "r2" }, ct);
        var frames = await FramesUntilAsync(client, "joined", ct);
        Assert.Equal(2UL, room.Joins.Last().LeaseGeneration);

        // The replay told the client nothing: the only joined frame is the answer to its own join.
        Assert.Equal(["r2"], frames.Where(f => Type(f) is "joined" or "subscribed").Select(f => f.GetProperty("roomId").GetString()));
    }

    [Fact]
    public async Task Renewal_goes_on_while_a_replay_is_held_up_and_a_newer_lapse_cancels_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await RegisteredEdgeAsync(ct);
        var presence = edge.Upstream.Presence;
        var room = edge.Upstream.Room;
        await using var client = await JoinedAsync(edge, "bob", "r1", ct);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        room.JoinGate = gate;

        presence.Expire(edge.EdgeId);
        await Eventually.UntilAsync(
            () =>
            {
                edge.Time.Advance(Renewal);
                return room.Joins.Any(j => j.LeaseGeneration == 2);
            },
            Wait,
            ct,
            "the replay of generation 2 starts");

        // The replay hangs on room; renewals of the new lease go on past the lease duration.
        var renewals = presence.Renewals;
        await Eventually.UntilAsync(
            () =>
            {
                edge.Time.Advance(Renewal);
                return presence.Renewals >= renewals + 4;
            },
            Wait,
            ct,
            "the lease is renewed while the replay runs");
        Assert.Equal(2UL, presence.Registrations.Last().LeaseGeneration);

        presence.Expire(edge.EdgeId);
        await Eventually.UntilAsync(
            () =>
            {
                edge.Time.Advance(Renewal);
                return room.CallLog.Contains($"JoinCancelled r1 {client.ConnectionId} 2") && room.Joins.Any(j => j.LeaseGeneration == 3);
            },
            Wait,
            ct,
            "a newer lapse cancels the replay and replays generation 3");
        gate.SetResult();

        await Eventually.UntilAsync(() => edge.Services.GetRequiredService<EdgeLeaseService>().ReplayRun.IsCompleted, Wait, ct, "the replay of generation 3 completes");
        // Attempts of one call may repeat (each is bounded by the upstream timeout, which runs on the
        // edge's clock here), but nothing is joined under generation 2 once generation 3 started.
        var generations = room.Joins.Select(j => j.LeaseGeneration).ToList();
        Assert.Equal([1UL, 2UL, 3UL], generations.Distinct());
        Assert.Equal(generations.Order(), generations);
    }

    [Fact]
    public async Task Messages_the_room_stored_while_the_lease_had_lapsed_reach_the_members_in_order_after_the_replay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await RegisteredEdgeAsync(ct);
        var presence = edge.Upstream.Presence;
        var room = edge.Upstream.Room;
        await using var alice = await JoinedAsync(edge, "alice", "r1", ct);
        await using var bob = await JoinedAsync(edge, "bob", "r1", ct);
        await bob.SendAsync(new { type = "message", roomId = "r1", content = "before" }, ct);
        Assert.Equal(1UL, (await alice.ReceiveAsync("message", ct)).GetProperty("seq").GetUInt64());

        // While the lease is gone the room holds this edge's members dropped: what it stores meanwhile
        // is published to no edge of theirs (Commit stores without delivering).
        presence.Expire(edge.EdgeId);
        var missed = new[] { room.Commit("r1", "carol", "\"while lapsed 1\""), room.Commit("r1", "bob", "\"while lapsed 2\"") };
        await Eventually.UntilAsync(
            () =>
            {
                edge.Time.Advance(Renewal);
                return room.Joins.Count(j => j.LeaseGeneration == 2) == 2;
            },
            Wait,
            ct,
            "the edge joins its connections again");

        // Both in order for alice; bob gets carol's only (a room message never goes back to its sender).
        var toAlice = (await FramesUntilAsync(alice, "message", ct)).Concat(await FramesUntilAsync(alice, "message", ct)).Where(f => Type(f) == "message").ToList();
        Assert.Equal(missed.Select(m => m.Id), toAlice.Select(f => f.GetProperty("id").GetString()));
        Assert.Equal([2UL, 3UL], toAlice.Select(f => f.GetProperty("seq").GetUInt64()));
        var toBob = (await FramesUntilAsync(bob, "message", ct)).Where(f => Type(f) == "message").ToList();
        Assert.Equal([missed[0].Id], toBob.Select(f => f.GetProperty("id").GetString()));

        // Then live messages as before, once each.
        await bob.SendAsync(new { type = "message", roomId = "r1", content = "after" }, ct);
        Assert.Equal(4UL, (await alice.ReceiveAsync("message", ct)).GetProperty("seq").GetUInt64());
        await alice.SendAsync(new { type = "ping", id = "p" }, ct);
        Assert.DoesNotContain("message", (await FramesUntilAsync(alice, "pong", ct)).Select(Type));
    }

    private static async Task<EdgeHost> RegisteredEdgeAsync(CancellationToken ct)
    {
        var edge = await EdgeHost.StartAsync(ct, NoPings);
        await Eventually.UntilAsync(() => edge.Upstream.Presence.Leases.ContainsKey(edge.EdgeId), Wait, ct, "the edge registers");
        return edge;
    }

    private static async Task<TestClient> JoinedAsync(EdgeHost edge, string user, string roomId, CancellationToken ct)
    {
        var client = await edge.ConnectAsAsync(user, ct);
        await client.SendAsync(new { type = "join", roomId }, ct);
        await client.ReceiveAsync("joined", ct);
        return client;
    }

    private static string? Type(JsonElement frame) => frame.GetProperty("type").GetString();

    private static async Task<List<JsonElement>> FramesUntilAsync(TestClient client, string type, CancellationToken ct)
    {
        var frames = new List<JsonElement>();
        while (frames.Count == 0 || Type(frames[^1]) != type)
        {
            frames.Add(await client.ReceiveAsync(ct));
        }

        return frames;
    }
}
