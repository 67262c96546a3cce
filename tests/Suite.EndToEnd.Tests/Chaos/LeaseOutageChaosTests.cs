using System.Diagnostics;
using Grpc.Net.Client;
using Suite.Contracts.Presence.V1;
using Suite.Contracts.Room.V1;
using Suite.Testing;

namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>
/// Issue 11, chaos test (4): presence stopped, or Redis paused, for longer than an edge lease while a
/// room streams. Presence ends the lapsed leases when it is back, room drops those edges' members,
/// and each edge, still alive with its clients joined, registers again and replays its joins. Soon
/// after presence answers again (<see cref="RecoveryBound"/>) presence must show every user on its
/// edge and room every member; every message acknowledged to its sender, during the fault too,
/// reaches every other member exactly once.
/// </summary>
[Collection("end-to-end")]
public sealed class LeaseOutageChaosTests(LeaseOutageFixture suite) : IClassFixture<LeaseOutageFixture>
{
    /// <summary><c>Edge__LeaseDuration</c> of every <see cref="SuiteFixture"/>.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    /// <summary>How long the fault lasts: past the lease, so presence ends it once it looks again.</summary>
    private static readonly TimeSpan Outage = Lease * 1.5;

    /// <summary>
    /// The bound asserted on recovery, measured from presence answering again: one lease, as the
    /// acceptance says. An edge needs up to one renewal tick (a third of a lease: it hears NotFound and
    /// registers again in the same tick) plus its replay; measured 1.5-2.1 s with a 3 s lease while the
    /// 2-core machine ran four builds beside the test (load average above 20). (Before the edge
    /// re-registered in the tick its lease ended, 4.2 and 6.7 s were measured, and the bound was 4 leases.)
    /// </summary>
    private static readonly TimeSpan RecoveryBound = Lease;

    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    [Fact]
    public async Task Presence_killed_for_longer_than_a_lease_every_user_is_present_and_receives_room_messages_again_within_a_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        await StreamThroughAsync("presence", async () =>
        {
            // The process and its sidecar, as a pod that died; started again on the same ports.
            await suite.Suite.Presence.KillAsync();
            await Task.Delay(Outage, ct);
            await suite.Suite.RestartAsync(suite.Suite.Presence, ct);
        }, ct);
    }

    [Fact]
    public async Task Redis_paused_for_longer_than_a_lease_every_user_is_present_and_receives_room_messages_again_within_a_lease()
    {
        var ct = TestContext.Current.CancellationToken;
        await StreamThroughAsync("redis", async () =>
        {
            // SIGSTOP: every connection stays open and nothing answers, the store and the broker alike.
            await suite.Redis.PauseAsync();
            try
            {
                await Task.Delay(Outage, ct);
            }
            finally
            {
                await suite.Redis.ResumeAsync();
            }
        }, ct);
    }

    /// <summary>
    /// Members on both edges send throughout: before the fault, during it, and after presence and room
    /// see everyone again; <paramref name="fault"/> returns when the fault is over. Every message
    /// acknowledged to its sender, before, during and after the fault, must reach every other member
    /// exactly once: what the room stored while it held a lapsed edge's members dropped comes from its
    /// history once the edge joined them again.
    /// </summary>
    private async Task StreamThroughAsync(string name, Func<Task> fault, CancellationToken ct)
    {
        var room = $"lease-{name}-{_run}";
        await using var traffic = await RoomTraffic.StartAsync(suite, room, u => $"{u}-{name}-{_run}", ct, directCallers: false);
        try
        {
            await StreamThroughAsync(traffic, name, fault, ct);
        }
        catch
        {
            // What each service logged (warnings and up) says which part did not come back.
            foreach (var service in suite.Suite.All)
            {
                TestContext.Current.TestOutputHelper?.WriteLine(service.Output);
            }

            throw;
        }
    }

    private async Task StreamThroughAsync(RoomTraffic traffic, string name, Func<Task> fault, CancellationToken ct)
    {
        var perPhase = traffic.Members.Count * 3;
        var sending = true;
        var streaming = traffic.SendAsync(_ => Volatile.Read(ref sending), ct);

        await Eventually.UntilAsync(() => traffic.AllSent.Count >= perPhase, TimeSpan.FromSeconds(10), ct, "traffic before the fault");
        var faultStart = Stopwatch.GetTimestamp();
        await fault();
        var users = traffic.Members.Select(m => (m.UserId, Edge: $"edge-{m.Edge}")).ToList();

        // Back is when presence answers again: a restarted process's start-up, on a loaded machine, is not the suite's recovery.
        await Eventually.UntilAsync(() => PresenceDiscrepancyAsync(users, ct), wrong => !wrong.StartsWith("Status(", StringComparison.Ordinal), TimeSpan.FromSeconds(30), ct, "presence answers again");
        var faultOver = Stopwatch.GetTimestamp();
        var presentAfter = await UntilRightAsync(faultOver, () => PresenceDiscrepancyAsync(users, ct), "presence shows every user on its edge", ct);
        var joinedAfter = await UntilRightAsync(faultOver, () => MembershipDiscrepancyAsync(room: traffic.Room, users.Select(u => u.UserId), ct), "room lists every member", ct);
        var recovered = Stopwatch.GetTimestamp();

        await Eventually.UntilAsync(() => traffic.AllSent.Count(s => s.SentAt > recovered) >= perPhase, TimeSpan.FromSeconds(10), ct, "traffic after the fault");
        Volatile.Write(ref sending, false);
        await streaming;

        // Everything acknowledged, during the fault too: what the room stored while it held an edge's
        // members dropped reaches them after the edge joins again (the edge's gap fill, Resume/RoomGapFill).
        var acknowledged = traffic.AllSent.Where(s => s.Acknowledged).ToList();
        await traffic.UntilDeliveredAsync(acknowledged, ct);
        await traffic.FenceAsync(ct);
        var tally = traffic.Tally();
        ChaosReport.Line(
            "lease outage",
            $"{name} outage of {Outage.TotalSeconds:0.#} s: {traffic.AllSent.Count(s => s.SentAt < faultStart)} messages sent before it, " +
            $"{traffic.AllSent.Count(s => s.SentAt >= faultStart && s.SentAt <= recovered)} during it and until recovery, " +
            $"{traffic.AllSent.Count(s => s.SentAt > recovered)} after; presence right {presentAfter.TotalSeconds:0.00} s and room right " +
            $"{joinedAfter.TotalSeconds:0.00} s after it ended (lease {Lease.TotalSeconds:0} s); {tally}");

        Assert.Empty(tally.Missing);
        Assert.Equal(0, tally.Duplicates);
        Assert.True(presentAfter <= RecoveryBound, $"presence right {presentAfter} after the fault, more than {RecoveryBound}");
        Assert.True(joinedAfter <= RecoveryBound, $"room right {joinedAfter} after the fault, more than {RecoveryBound}");
    }

    /// <summary>How long after <paramref name="since"/> the probe found no discrepancy (it returns what is wrong, or nothing).</summary>
    private static async Task<TimeSpan> UntilRightAsync(long since, Func<Task<string>> wrong, string what, CancellationToken ct)
    {
        await Eventually.UntilAsync(wrong, w => w.Length == 0, TimeSpan.FromSeconds(20), ct, what);
        return Stopwatch.GetElapsedTime(since);
    }

    private async Task<string> PresenceDiscrepancyAsync(IReadOnlyList<(string UserId, string Edge)> users, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(suite.Suite.Presence.GrpcAddress);
        try
        {
            var found = await new PresenceService.PresenceServiceClient(channel).LookupUsersAsync(
                new LookupUsersRequest { UserIds = { users.Select(u => u.UserId) } },
                deadline: DateTime.UtcNow.AddSeconds(1),
                cancellationToken: ct);
            var edges = found.Users.ToDictionary(u => u.UserId, u => u.EdgeIds.ToList());
            return string.Join(", ", users
                .Where(u => !(edges.TryGetValue(u.UserId, out var on) && on.SequenceEqual([u.Edge])))
                .Select(u => $"{u.UserId} on [{string.Join(' ', edges.GetValueOrDefault(u.UserId) ?? [])}], not {u.Edge}"));
        }
        catch (Grpc.Core.RpcException ex)
        {
            return ex.Status.ToString();
        }
    }

    private async Task<string> MembershipDiscrepancyAsync(string room, IEnumerable<string> userIds, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(suite.Suite.Room.GrpcAddress);
        try
        {
            var members = await new RoomService.RoomServiceClient(channel).ListMembersAsync(
                new ListMembersRequest { RoomId = room, PageSize = 100 },
                deadline: DateTime.UtcNow.AddSeconds(1),
                cancellationToken: ct);
            return string.Join(", ", userIds
                .Where(u => !members.Members.Any(m => m.UserId == u && m.Connections == 1))
                .Select(u => $"{u} not a member with one connection"));
        }
        catch (Grpc.Core.RpcException ex)
        {
            return ex.Status.ToString();
        }
    }
}

/// <summary>Two edges and one room replica over Redis, for the lease-outage tests alone: they stop presence and freeze Redis.</summary>
public sealed class LeaseOutageFixture : SuiteFixture
{
    protected override string ComponentsFolder => "components/redis";

    protected override int Edges => 2;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        // Room calls on a 2-core machine shared with builds can take seconds; a late answer is not what these tests are about.
        ["Edge__UpstreamTimeout"] = "00:00:15",
    };
}
