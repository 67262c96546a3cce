using System.Text.Json.Nodes;
using Suite.Load.Scenarios;

namespace Suite.Load.Tests;

/// <summary>
/// The benchmark's scenarios for a few seconds each against the embedded suite, through the same
/// path the command line takes (one system, scoped options, one JSON result per scenario): every
/// message is delivered, none lost, none twice; CPU is split by process, and the fan-out sweep
/// runs its steps in rising order and stops at the first that falls behind.
/// </summary>
public sealed class EmbeddedScenarioTests
{
    [Fact]
    public async Task Fanout_sweep_direct_notify_and_storm_over_the_embedded_suite_deliver_everything_once()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var settings = LoadSettings.Parse("fanout,fanout-sweep,direct,notify,storm",
        [
            "--mode", "embedded", "--source-addresses", "4", "--connect-rate", "200", "--drain-timeout", "20s",
            "--fanout.rooms", "3", "--fanout.members", "6", "--fanout.sender-rate", "5", "--fanout.duration", "3s",
            "--fanout-sweep.rooms", "3", "--fanout-sweep.members", "6", "--fanout-sweep.rates", "8,2,4", "--fanout-sweep.duration", "2s",
            "--fanout-sweep.warmup-duration", "1s", "--fanout-sweep.drain-timeout", "10s",
            "--direct.connections", "10", "--direct.rate", "20", "--direct.duration", "2s", "--direct.warmup-duration", "1s",
            "--notify.connections", "20", "--notify.rooms", "2", "--notify.rate", "9", "--notify.duration", "2s", "--notify.warmup-duration", "1s",
            "--storm.connections", "30",
        ]);

        var results = await ScenarioRunner.RunAsync(settings, Suite.LocalServers.RepositoryRoot.Find(), Progress.Silent, timeout.Token);

        var byName = results.ToDictionary(r => r["scenario"]!.GetValue<string>(), r => JsonNode.Parse(r.ToJsonString())!);
        Assert.Equal(["fanout", "fanout-sweep", "direct", "notify", "storm"], byName.Keys);
        foreach (var name in new[] { "fanout", "direct", "notify" })
        {
            var f = byName[name]["figures"]!;
            Assert.True(f["delivered"]!.GetValue<long>() > 0, $"{name}: delivered > 0");
            Assert.Equal(f["expectedDeliveries"]!.GetValue<long>(), f["delivered"]!.GetValue<long>());
            Assert.Equal(0, f["lost"]!.GetValue<long>());
            Assert.Equal(0, f["duplicated"]!.GetValue<long>());
            Assert.True(f["serverCpuMicrosPerDelivery"]!.GetValue<double>() > 0, $"{name}: server CPU was measured");
            Assert.True(f["latency"]!["p99Ms"]!.GetValue<double>() > 0, $"{name}: latency was measured");
            AssertCpuPerProcess(name, f, perRoomMessage: name == "fanout");
        }

        // 3 rooms x 6 members, 5 msg/s for 3 s from one sender each: 15 messages a room, 5 receivers each.
        var fanout = byName["fanout"]["figures"]!;
        Assert.Equal(3 * 15 * 5, fanout["expectedDeliveries"]!.GetValue<long>());
        Assert.Equal(1.0, fanout["daprPublishesPerRoomMessage"]!.GetValue<double>());
        Assert.Equal(1.0, fanout["edgesHostingEachRoom"]!.GetValue<double>());
        Assert.Equal(6, byName["fanout"]["settings"]!["membersPerRoom"]!.GetValue<int>());

        AssertSweep(byName["fanout-sweep"]["figures"]!, rates: [2, 4, 8], receiversPerMessage: 5, rooms: 3);

        var storm = byName["storm"]["figures"]!;
        Assert.Equal(30, storm["connectedBefore"]!.GetValue<int>());
        Assert.Equal(30, storm["reconnected"]!.GetValue<int>());
        Assert.Equal(0, storm["gaveUp"]!.GetValue<int>());
    }

    // One process, named for all it holds; its share is all of the total (tick-rounded seconds).
    private static void AssertCpuPerProcess(string name, JsonNode figures, bool perRoomMessage)
    {
        var byProcess = figures["serverCpuByProcess"]!.AsObject();
        Assert.Equal(["embedded suite"], byProcess.Select(p => p.Key));
        Assert.All(byProcess, p => Assert.NotEmpty(p.Value!["pids"]!.AsArray()));
        var sum = byProcess.Sum(p => p.Value!["cpuSeconds"]!.GetValue<double>());
        Assert.True(Math.Abs(sum - figures["serverCpuSeconds"]!.GetValue<double>()) <= 0.001 * byProcess.Count, $"{name}: per process {sum} s, total {figures["serverCpuSeconds"]} s");
        Assert.All(byProcess, p => Assert.True(p.Value!["microsPerDelivery"]!.GetValue<double>() > 0, $"{name}: {p.Key} µs per delivery"));
        Assert.Equal(perRoomMessage, byProcess.All(p => p.Value!["microsPerRoomMessage"] is not null));
    }

    // Whether this machine keeps up at a rate depends on what else runs on it; the sweep's shape does not.
    private static void AssertSweep(JsonNode figures, double[] rates, int receiversPerMessage, int rooms)
    {
        var steps = figures["steps"]!.AsArray().Select(s => s!.AsObject()).ToList();
        Assert.InRange(steps.Count, 1, rates.Length);
        Assert.Equal(rates.Take(steps.Count), steps.Select(s => s["senderRatePerSecond"]!.GetValue<double>()));
        foreach (var step in steps)
        {
            var rate = step["senderRatePerSecond"]!.GetValue<double>();
            Assert.Equal(rate * rooms * receiversPerMessage, step["offeredDeliveriesPerSecond"]!.GetValue<double>());
            Assert.Equal(FanoutSweepScenario.FellBehind(step), step["fellBehind"]!.GetValue<bool>());
            Assert.Equal(0, step["duplicated"]!.GetValue<long>());
            Assert.NotNull(step["serverCpuByProcess"]);
        }

        Assert.All(steps.SkipLast(1), s => Assert.False(s["fellBehind"]!.GetValue<bool>(), $"a step before the last fell behind: {s}"));
        var last = steps[^1];
        if (figures["firstFallingBehindDeliveriesPerSecond"] is { } behind)
        {
            Assert.True(last["fellBehind"]!.GetValue<bool>());
            Assert.Equal(last["offeredDeliveriesPerSecond"]!.GetValue<double>(), behind.GetValue<double>());
        }
        else
        {
            Assert.Equal(rates.Length, steps.Count);
            Assert.False(last["fellBehind"]!.GetValue<bool>());
            Assert.Equal(last["offeredDeliveriesPerSecond"]!.GetValue<double>(), figures["lastKeptUpDeliveriesPerSecond"]!.GetValue<double>());
        }
    }
}
