using System.Diagnostics;
using System.Text.Json;
using Suite.Testing;

namespace Suite.EndToEnd.Tests;

/// <summary>
/// One room served by two room replicas: messages enter through edges that prefer different
/// replicas and through direct calls to each replica, and the room still has one gap-free seq and
/// delivers each message once; when a replica is killed, the other serves the room within the owner
/// lease and nothing acknowledged is lost. The test that kills a replica starts it again at its end,
/// so the tests share one topology in any order.
/// </summary>
public abstract class RoomReplicaTests(RoomReplicasFixture suite)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private string U(string name) => $"{name}-{_run}";

    [Fact]
    public async Task Messages_through_both_replicas_keep_one_gap_free_seq_and_reach_every_other_member_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var traffic = await RoomTraffic.StartAsync(suite, U("replicas"), U, ct);

        await traffic.SendAsync(n => n <= 10, ct);
        await traffic.FenceAsync(ct);

        var sent = traffic.AllSent.ToList();
        Assert.All(sent, s => Assert.True(s.Acknowledged, $"{s.Tag} via {s.Path} was refused"));
        await traffic.UntilDeliveredAsync(sent, ct);
        var history = await traffic.HistoryAsync(0, ct);
        var duplicates = AssertConsistent(traffic, history, sent);
        Assert.Equal(sent.Count, history.Count);
        Assert.Empty(duplicates);
    }

    [Fact]
    public async Task A_killed_replica_leaves_the_room_to_the_other_within_the_lease_with_no_gap_repeat_or_lost_acknowledgement()
    {
        var ct = TestContext.Current.CancellationToken;
        var lease = RoomReplicasFixture.OwnerLease;
        await using var traffic = await RoomTraffic.StartAsync(suite, U("failover"), U, ct);
        var clock = Stopwatch.StartNew();
        var killAt = TimeSpan.FromSeconds(1.5);
        var stopAt = killAt + lease + TimeSpan.FromSeconds(2);

        var sending = traffic.SendAsync(_ => clock.Elapsed < stopAt, ct);
        await Task.Delay(killAt, ct);
        var killed = Stopwatch.GetTimestamp();
        var victim = suite.Suite.Rooms[1];
        try
        {
            await victim.KillAsync();
            await sending;
        }
        finally
        {
            var restart = Stopwatch.StartNew();
            await suite.Suite.RestartAsync(victim, ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"streamed {stopAt.TotalSeconds:0.0} s, killed at {killAt.TotalSeconds:0.0} s; restarting the replica took {restart.Elapsed.TotalSeconds:0.0} s");
        }

        await traffic.FenceAsync(ct);

        var sent = traffic.AllSent.ToList();
        var acknowledged = sent.Where(s => s.Acknowledged).ToList();
        await traffic.UntilDeliveredAsync(acknowledged, ct);
        var history = await traffic.HistoryAsync(0, ct);
        var duplicates = AssertConsistent(traffic, history, acknowledged);

        // Served again within the lease: something sent after the kill was acknowledged by then,
        // through edge-1 (which preferred the dead replica) as well.
        var servedAfterKill = acknowledged.Where(s => s.SentAt > killed).ToList();
        Assert.Contains(servedAfterKill, s => Stopwatch.GetElapsedTime(killed, s.AcknowledgedAt ?? s.SentAt) <= lease + TimeSpan.FromSeconds(2));
        Assert.Contains(servedAfterKill, s => s.Path == "edge-1" && Stopwatch.GetElapsedTime(killed, s.SentAt) > lease);
        // A repeat can only be a direct call retried with its key after the kill broke it.
        var retried = acknowledged.Where(s => s.Retries > 0).Select(s => s.Id).ToHashSet();
        Assert.All(duplicates, d => Assert.Contains(d, retried));
    }

    [Fact]
    public async Task A_replica_paused_past_its_lease_comes_back_without_committing_and_the_room_keeps_one_seq()
    {
        var ct = TestContext.Current.CancellationToken;
        var lease = RoomReplicasFixture.OwnerLease;
        await using var traffic = await RoomTraffic.StartAsync(suite, U("paused"), U, ct);
        var frozenFor = lease + TimeSpan.FromSeconds(1);
        var thawedFor = TimeSpan.FromSeconds(1.5);
        var clock = Stopwatch.StartNew();
        var stopAt = TimeSpan.FromSeconds(1) + ((frozenFor + thawedFor) * suite.Suite.Rooms.Count);

        // One stream of traffic (tags are numbered per stream) while each replica in turn is frozen
        // (SIGSTOP) past its lease and thawed: whichever owned the room comes back believing it
        // still does, with calls that were under way when it froze.
        var sending = traffic.SendAsync(_ => clock.Elapsed < stopAt, ct);
        var lastThaw = 0L;
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        foreach (var replica in suite.Suite.Rooms)
        {
            await replica.PauseAppAsync();
            try
            {
                await Task.Delay(frozenFor, ct);
            }
            finally
            {
                await replica.ResumeAppAsync();
                lastThaw = Stopwatch.GetTimestamp();
            }

            await Task.Delay(thawedFor, ct);
        }

        await sending;
        await traffic.FenceAsync(ct);

        var acknowledged = traffic.AllSent.Where(s => s.Acknowledged).ToList();
        await traffic.UntilDeliveredAsync(acknowledged, ct);
        // Calls that reached a frozen replica finish after it thaws (within the edges' upstream
        // timeout), so the room may still grow a little: both replicas must come to answer alike.
        var history = await Eventually.UntilAsync(
            async () => (await traffic.HistoryAsync(0, ct), await traffic.HistoryAsync(1, ct)),
            h => h.Item1.Select(m => m.Id).SequenceEqual(h.Item2.Select(m => m.Id)),
            TimeSpan.FromSeconds(30),
            ct,
            "both replicas answer the same history");
        var duplicates = AssertConsistent(traffic, history.Item1, acknowledged);
        var retried = acknowledged.Where(s => s.Retries > 0).Select(s => s.Id).ToHashSet();
        Assert.All(duplicates, d => Assert.Contains(d, retried));
        // After both thaws every way in works again.
        // (measured from the last thaw: the sending loop returns only after every outcome is fenced,
        // which can be long after the last message left)
        Assert.Contains(acknowledged, s => s.Path == "edge-0" && s.SentAt > lastThaw);
        Assert.Contains(acknowledged, s => s.Path == "edge-1" && s.SentAt > lastThaw);
    }

    /// <summary>
    /// History holds seq 1..N once each with distinct ids; every acknowledged message is in it once
    /// (direct calls with the id and seq they were answered); every member got each expected message
    /// with its stored id and seq. Returns the ids some member got more than once.
    /// </summary>
    private static List<string> AssertConsistent(RoomTraffic traffic, List<Contracts.Room.V1.RoomMessage> history, IReadOnlyCollection<RoomTraffic.Sent> acknowledged)
    {
        Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (ulong)i), history.Select(m => m.Seq));
        Assert.Equal(history.Count, history.Select(m => m.Id).Distinct().Count());
        var stored = history.GroupBy(RoomTraffic.Tag).ToDictionary(g => g.Key!, g => g.ToList());
        Assert.All(stored, s => Assert.True(s.Value.Count == 1, $"{s.Key} stored {s.Value.Count} times"));
        foreach (var message in acknowledged)
        {
            Assert.True(stored.TryGetValue(message.Tag, out var kept), $"acknowledged {message.Tag} via {message.Path} is not in history");
            if (message.Id is not null)
            {
                Assert.Equal((message.Id, message.Seq), (kept[0].Id, (ulong?)kept[0].Seq));
            }
        }

        var byId = history.ToDictionary(m => m.Id);
        var duplicates = new List<string>();
        var received = 0;
        foreach (var member in traffic.Members)
        {
            var got = member.Messages(traffic.Room).ToList();
            received += got.Count;
            foreach (var frame in got)
            {
                Assert.True(byId.TryGetValue(RoomTraffic.Id(frame)!, out var kept), $"{member.UserId} got {frame} which is not in history");
                Assert.Equal(kept.Seq, frame.GetProperty("seq").GetUInt64());
                Assert.NotEqual(member.UserId, frame.GetProperty("from").GetString());
            }

            duplicates.AddRange(got.GroupBy(RoomTraffic.Id).Where(g => g.Count() > 1).Select(g => g.Key!));
        }

        var expected = traffic.Members.Sum(m => acknowledged.Count(s => s.UserId != m.UserId));
        Chaos.ChaosReport.Line(
            $"room replicas, {TestContext.Current.Test?.TestDisplayName}",
            $"sent {traffic.AllSent.Count} (edge-0 {Count(traffic, "edge-0")}, edge-1 {Count(traffic, "edge-1")}, direct {Count(traffic, "grpc")}), " +
            $"acknowledged {acknowledged.Count}, retried {acknowledged.Count(s => s.Retries > 0)}, stored {history.Count}, " +
            $"received {received} (acknowledged to others: {expected}), duplicates {duplicates.Count}");
        return duplicates;
    }

    private static int Count(RoomTraffic traffic, string path) => traffic.AllSent.Count(s => s.Path == path);
}

// The replicas' topologies are their own (two rooms, two edges); one at a time, like the others.
[Collection("end-to-end")]
public sealed class RedisRoomReplicaTests(RedisRoomReplicasFixture suite) : RoomReplicaTests(suite), IClassFixture<RedisRoomReplicasFixture>;

[Collection("end-to-end")]
public sealed class NatsRoomReplicaTests(NatsRoomReplicasFixture suite) : RoomReplicaTests(suite), IClassFixture<NatsRoomReplicasFixture>;
