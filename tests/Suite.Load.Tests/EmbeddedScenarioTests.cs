using System.Text.Json.Nodes;
using Suite.Load.Scenarios;

namespace Suite.Load.Tests;

/// <summary>
/// The benchmark's scenarios for a few seconds each against the embedded suite, through the same
/// path the command line takes (one system, scoped options, one JSON result per scenario): every
/// message is delivered, none lost, none twice.
/// </summary>
public sealed class EmbeddedScenarioTests
{
    [Fact]
    public async Task Fanout_direct_notify_and_storm_over_the_embedded_suite_deliver_everything_once()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var settings = LoadSettings.Parse("fanout,direct,notify,storm",
        [
            "--mode", "embedded", "--source-addresses", "4", "--connect-rate", "200", "--drain-timeout", "20s",
            "--fanout.rooms", "3", "--fanout.members", "6", "--fanout.sender-rate", "5", "--fanout.duration", "3s",
            "--direct.connections", "10", "--direct.rate", "20", "--direct.duration", "2s",
            "--notify.connections", "20", "--notify.rooms", "2", "--notify.rate", "9", "--notify.duration", "2s",
            "--storm.connections", "30",
        ]);

        var results = await ScenarioRunner.RunAsync(settings, Suite.Testing.RepositoryRoot.Find(), Progress.Silent, timeout.Token);

        var byName = results.ToDictionary(r => r["scenario"]!.GetValue<string>(), r => JsonNode.Parse(r.ToJsonString())!);
        Assert.Equal(["fanout", "direct", "notify", "storm"], byName.Keys);
        foreach (var name in new[] { "fanout", "direct", "notify" })
        {
            var f = byName[name]["figures"]!;
            Assert.True(f["delivered"]!.GetValue<long>() > 0, $"{name}: delivered > 0");
            Assert.Equal(f["expectedDeliveries"]!.GetValue<long>(), f["delivered"]!.GetValue<long>());
            Assert.Equal(0, f["lost"]!.GetValue<long>());
            Assert.Equal(0, f["duplicated"]!.GetValue<long>());
            Assert.True(f["serverCpuMicrosPerDelivery"]!.GetValue<double>() > 0, $"{name}: server CPU was measured");
            Assert.True(f["latency"]!["p99Ms"]!.GetValue<double>() > 0, $"{name}: latency was measured");
        }

        // 3 rooms x 6 members, 5 msg/s for 3 s from one sender each: 15 messages a room, 5 receivers each.
        var fanout = byName["fanout"]["figures"]!;
        Assert.Equal(3 * 15 * 5, fanout["expectedDeliveries"]!.GetValue<long>());
        Assert.Equal(1.0, fanout["daprPublishesPerRoomMessage"]!.GetValue<double>());
        Assert.Equal(1.0, fanout["edgesHostingEachRoom"]!.GetValue<double>());
        Assert.Equal(6, byName["fanout"]["settings"]!["membersPerRoom"]!.GetValue<int>());

        var storm = byName["storm"]["figures"]!;
        Assert.Equal(30, storm["connectedBefore"]!.GetValue<int>());
        Assert.Equal(30, storm["reconnected"]!.GetValue<int>());
        Assert.Equal(0, storm["gaveUp"]!.GetValue<int>());
    }
}
