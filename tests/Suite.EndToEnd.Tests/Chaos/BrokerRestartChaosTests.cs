using System.Diagnostics;
using Suite.Testing;

namespace Suite.EndToEnd.Tests.Chaos;

/// <summary>
/// Chaos (issue 11, test 2): the broker restarts mid-stream, as an operator's restart does (SIGTERM,
/// then a server on the same port with the same data): redis-server under components/redis (pub/sub
/// and state), nats-server with its JetStream store under components/nats. Live delivery comes back
/// by itself, and once clients resume with <c>since</c> nothing the sender was told was accepted is
/// missing, repeated or out of order.
/// </summary>
public abstract class BrokerRestartChaosTests(ChaosFixture suite)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private string U(string name) => $"{name}-{_run}";

    protected abstract Task RestartBrokerAsync(ChaosFixture fixture, CancellationToken cancellationToken);

    [Fact]
    public async Task Nothing_accepted_is_lost_across_a_broker_restart_once_clients_resume_with_since()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var stream = await RoomStream.StartAsync(
            suite, U("stream"), U("sender"), senderEdge: 0, [(U("ann"), 0), (U("ben"), 0), (U("cat"), 1), (U("dan"), 1)], ct);
        var stop = false;
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        void Phase(string name) => phases.Add($"{name} {clock.Elapsed.TotalSeconds:0.0} s");
        var sending = stream.SendAsync(() => !stop, ct);

        await stream.UntilEveryReceiverHasAsync(5, ct);
        Phase("streaming");
        var restart = Stopwatch.StartNew();
        await RestartBrokerAsync(suite, ct);
        restart.Stop();
        var acceptedAtRestart = Accepted(stream);
        await Eventually.UntilAsync(() => Accepted(stream) >= acceptedAtRestart + 5, Wait, ct, "the sender's messages are accepted again after the restart");
        Phase("accepted again");
        stop = true;
        await sending;
        Phase("sender done");

        // Live delivery is back by itself (no subscription left stuck): the last accepted message
        // reaches every receiver on the connection it had all along.
        var last = stream.Sent.Last(s => s.Acknowledged);
        foreach (var receiver in stream.Receivers)
        {
            await Eventually.UntilAsync(
                () => receiver.Current.Frames.Any(f => RoomTraffic.Is(f, "message") && RoomTraffic.Tag(f) == last.Tag),
                Wait,
                ct,
                $"{receiver.UserId} gets {last.Tag} live after the restart");
        }

        Phase("live again");
        var joined = await Task.WhenAll(stream.Receivers.Select(r => stream.ResumeAsync(r, edge: 1 - r.Current.Edge, ct)));

        var history = await stream.UntilEveryoneHasEverythingAsync(ct);
        Phase("resumed");

        ChaosReport.Line(
            $"broker restart over {suite.GetType().Name}",
            $"restart took {restart.Elapsed.TotalSeconds:0.00} s; {string.Join(", ", phases)}; replayed on resume: {string.Join(", ", joined.Select(j => j.GetProperty("missed").GetInt32()))}");
        Assert.All(joined, j => Assert.True(j.GetProperty("recovered").GetBoolean(), $"not recovered: {j}"));
        stream.AssertNothingLost(history, $"broker restart over {suite.GetType().Name}");
    }

    private static int Accepted(RoomStream stream) => stream.Sent.Count(s => s.Acknowledged);
}

[Collection("end-to-end")]
public sealed class RedisBrokerRestartChaosTests(RedisChaosFixture suite) : BrokerRestartChaosTests(suite), IClassFixture<RedisChaosFixture>
{
    protected override Task RestartBrokerAsync(ChaosFixture fixture, CancellationToken cancellationToken) =>
        fixture.Redis.RestartKeepingDataAsync(cancellationToken);
}

[Collection("end-to-end")]
public sealed class NatsBrokerRestartChaosTests(NatsChaosFixture suite) : BrokerRestartChaosTests(suite), IClassFixture<NatsChaosFixture>
{
    protected override Task RestartBrokerAsync(ChaosFixture fixture, CancellationToken cancellationToken) =>
        fixture.Nats!.RestartAsync(cancellationToken);
}
