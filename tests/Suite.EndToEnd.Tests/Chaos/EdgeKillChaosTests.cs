using System.Diagnostics;
using Suite.Testing;

namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>
/// Chaos (issue 11, test 1): an edge is killed (SIGKILL, with its sidecar) while a room streams from a
/// sender on the other edge. Its clients reconnect to the other edge and join with <c>since</c>, and
/// every message arrives once, in order, the missed ones replayed with <c>recovered: true</c>. The
/// edge stays dead: one test per class, each class with its own topology.
/// </summary>
public abstract class EdgeKillChaosTests(ChaosFixture suite)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private string U(string name) => $"{name}-{_run}";

    [Fact]
    public async Task Clients_of_a_killed_edge_resume_on_the_other_edge_with_since_and_get_every_message_once_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var stream = await RoomStream.StartAsync(
            suite, U("stream"), U("sender"), senderEdge: 0, [(U("ann"), 1), (U("ben"), 1), (U("cat"), 1), (U("dan"), 0)], ct);
        var victims = stream.Receivers.Where(r => r.Current.Edge == 1).ToList();
        long? resumedAt = null;
        var sending = stream.SendAsync(() => resumedAt is not { } at || Stopwatch.GetElapsedTime(at) < TimeSpan.FromSeconds(2), ct);

        // Streaming: every receiver has had some of it live.
        await stream.UntilEveryReceiverHasAsync(5, ct);
        await suite.Suite.Edges[1].KillAsync();
        var acceptedAtKill = Accepted(stream);
        foreach (var victim in victims)
        {
            await victim.Current.Reading.WaitAsync(Wait, ct);
        }

        // As a client's reconnect delay would, the stream goes on a little before they are back.
        await Eventually.UntilAsync(() => Accepted(stream) >= acceptedAtKill + 5, Wait, ct, "the sender goes on while the victims are away");
        var joined = await Task.WhenAll(victims.Select(v => stream.ResumeAsync(v, edge: 0, ct)));

        resumedAt = Stopwatch.GetTimestamp();
        await sending;
        var history = await stream.UntilEveryoneHasEverythingAsync(ct);

        ChaosReport.Line($"edge kill over {suite.GetType().Name}", $"replayed on resume: {string.Join(", ", joined.Select(j => j.GetProperty("missed").GetInt32()))}");
        Assert.All(joined, j => Assert.True(j.GetProperty("recovered").GetBoolean(), $"not recovered: {j}"));
        Assert.All(joined, j => Assert.True(j.GetProperty("missed").GetInt32() >= 5, $"the resume replays what was sent while away: {j}"));
        Assert.All(stream.Sent, s => Assert.True(s.Acknowledged, $"refused: {s}"));
        stream.AssertNothingLost(history, $"edge kill over {suite.GetType().Name}");
    }

    private static int Accepted(RoomStream stream) => stream.Sent.Count(s => s.Acknowledged);
}

[Collection("end-to-end")]
public sealed class RedisEdgeKillChaosTests(RedisChaosFixture suite) : EdgeKillChaosTests(suite), IClassFixture<RedisChaosFixture>;

[Collection("end-to-end")]
public sealed class NatsEdgeKillChaosTests(NatsChaosFixture suite) : EdgeKillChaosTests(suite), IClassFixture<NatsChaosFixture>;
