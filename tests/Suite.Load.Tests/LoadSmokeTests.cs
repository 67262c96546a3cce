using System.Reflection;
using System.Text.Json.Nodes;
using Suite.Contracts.Edge.V1;
using Suite.Load.Clients;
using Suite.Load.Scenarios;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>
/// The load generator's scenarios, in-process for a few seconds against a real edge (the one this
/// project builds, started as a child process the way the benchmark script starts it).
/// </summary>
public sealed class LoadSmokeTests
{
    internal static readonly string EdgeDll = Path.GetFullPath(typeof(LoadSmokeTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "EdgeDll").Value!);

    [Fact]
    public async Task Fanout_local_delivers_every_message_once_to_every_connection()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var settings = new LoadSettings
        {
            Scenario = "fanout-local",
            Connections = 50,
            SourceAddresses = 4,
            Rate = 20,
            Duration = TimeSpan.FromSeconds(3),
            // The warm-up's deliveries, numbered outside the run, must not count as lost, duplicated or delivered.
            WarmupDuration = TimeSpan.FromSeconds(2),
            DrainTimeout = TimeSpan.FromSeconds(20),
        };
        await using var edge = await EdgeProcess.StartAsync(EdgeDll, settings.SigningKey, [], timeout.Token, edgeId: "edge-smoke");

        var result = await ScenarioRunner.RunAsync(new FanoutLocalScenario(), edge, settings, Progress.Silent, timeout.Token);

        var figures = Reparse(result)["figures"]!;
        Assert.Equal(50, figures["connected"]!.GetValue<int>());
        Assert.Equal(0, figures["publishFailed"]!.GetValue<long>());
        Assert.Equal(60 * 50, figures["delivered"]!.GetValue<long>());
        Assert.Equal(0, figures["lost"]!.GetValue<long>());
        Assert.Equal(0, figures["duplicated"]!.GetValue<long>());
        Assert.True(figures["deliveredPerSecond"]!.GetValue<double>() > 0);
        Assert.True(figures["latency"]!["p99Ms"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task Fanout_local_in_msgpack_with_deflate_gets_every_delivery_in_fewer_bytes_on_the_wire()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var plain = LoadSettings.Parse("fanout-local", ["--connections", "20", "--source-addresses", "2", "--rate", "20", "--duration", "2s", "--warmup-duration", "1s", "--drain-timeout", "20s",
            "--payload-bytes", "1000", "--padding", "words", "--encoding", "msgpack"]);
        var deflate = plain with { Deflate = true };
        await using var edge = await EdgeProcess.StartAsync(EdgeDll, plain.SigningKey, ["Connections__PermessageDeflate=true"], timeout.Token, edgeId: "edge-deflate-smoke");

        var bytes = new List<double>();
        foreach (var settings in new[] { plain, deflate })
        {
            var figures = Reparse(await ScenarioRunner.RunAsync(new FanoutLocalScenario(), edge, settings, Progress.Silent, timeout.Token))["figures"]!;
            Assert.Equal(20, figures["connected"]!.GetValue<int>());
            Assert.Equal(40 * 20, figures["delivered"]!.GetValue<long>());
            Assert.Equal(0, figures["lost"]!.GetValue<long>());
            Assert.Equal(0, figures["duplicated"]!.GetValue<long>());
            bytes.Add(figures["wireBytesPerDelivery"]!.GetValue<double>());
        }

        // ~1.1 KB MessagePack frames of chat-like words: deflate halves them (docs/benchmarks.md).
        Assert.True(bytes[0] > 1000, $"plain frames of {bytes[0]} B");
        Assert.True(bytes[1] < bytes[0] * 0.7, $"deflate {bytes[1]} B per delivery vs plain {bytes[0]} B");
    }

    [Fact]
    public async Task Connect_measures_the_edge_memory_per_connection()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var settings = new LoadSettings { Scenario = "connect", Connections = 50, SourceAddresses = 4, Warmup = 10, Settle = TimeSpan.FromSeconds(1) };
        await using var edge = await EdgeProcess.StartAsync(EdgeDll, settings.SigningKey, [], timeout.Token, edgeId: "edge-smoke");

        var result = await ScenarioRunner.RunAsync(new ConnectScenario(), edge, settings, Progress.Silent, timeout.Token);

        var figures = Reparse(result)["figures"]!;
        Assert.Equal(50, figures["connected"]!.GetValue<int>());
        Assert.Equal(0, figures["failed"]!.GetValue<int>());
        Assert.True(figures["gcForced"]!.GetValue<bool>(), "a GC was induced in the edge");
        Assert.NotNull(figures["rssBytesPerConnection"]);
        Assert.NotNull(figures["gcHeapBytesPerConnection"]);
        Assert.Equal(50, figures["after"]!["edgeConnectionsGauge"]!.GetValue<double>());
        // The wait for the edge to go quiet after the connects ends (well before its 90 s bound for 50 connections).
        Assert.InRange(figures["connectAftermathSeconds"]!.GetValue<double>(), 0, 60);
        Assert.NotNull(figures["connectAftermathCpuSeconds"]);
        Assert.NotNull(figures["idleCpuPercentOfCore"]);
    }

    [Fact]
    public async Task Connect_with_held_connections_measures_from_a_baseline_that_carries_them()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        // Two waits for the edge to go quiet (after the held connections and after the measured ones), each bounded at 90 s.
        timeout.CancelAfter(TimeSpan.FromMinutes(4));
        var settings = LoadSettings.Parse("connect", ["--held", "20", "--connections", "30", "--source-addresses", "4", "--warmup", "0", "--settle", "1s"]);
        await using var edge = await EdgeProcess.StartAsync(EdgeDll, settings.SigningKey, [], timeout.Token, edgeId: "edge-held");

        var result = await ScenarioRunner.RunAsync(new ConnectScenario(), edge, settings, Progress.Silent, timeout.Token);

        var figures = Reparse(result)["figures"]!;
        Assert.Equal(20, figures["heldThroughBaseline"]!.GetValue<int>());
        Assert.Equal(30, figures["aliveAtMeasurement"]!.GetValue<int>());
        Assert.Equal(20, figures["before"]!["edgeConnectionsGauge"]!.GetValue<double>());
        Assert.Equal(50, figures["after"]!["edgeConnectionsGauge"]!.GetValue<double>());
    }

    [Fact]
    public void Parses_the_options_the_benchmark_script_passes()
    {
        var settings = LoadSettings.Parse("fanout-local", ["--connections", "1000", "--rate", "50", "--duration", "10s", "--out", "x.json", "--edge-env", "DOTNET_gcServer=0"]);

        Assert.Equal(1000, settings.Connections);
        Assert.Equal(50, settings.Rate);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.Duration);
        Assert.Equal("x.json", settings.Out);
        Assert.Equal(["DOTNET_gcServer=0"], settings.EdgeEnv);
        Assert.Equal(TimeSpan.FromMilliseconds(500), LoadSettings.ParseDuration("500ms"));
    }

    [Fact]
    public void Scoped_options_apply_to_their_scenario_only()
    {
        var settings = LoadSettings.Parse("connect,notify", ["--connections", "100", "--notify.rate", "30", "--notify.connections", "40", "--connect.settle", "2s"]);

        Assert.Equal(100, settings.ForScenario("connect").Connections);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.ForScenario("connect").Settle);
        Assert.Equal(50, settings.ForScenario("connect").Rate);
        Assert.Equal(40, settings.ForScenario("notify").Connections);
        Assert.Equal(30, settings.ForScenario("notify").Rate);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ForScenario("notify").Settle);
        Assert.Throws<ArgumentException>(() => LoadSettings.Parse("connect", ["--nosuch.rate", "3"]));
    }

    [Fact]
    public void Reads_bench_contents_from_v1_frames_and_ignores_others()
    {
        var delivery = DeliveryPublisher.Everyone("e1", "run-7", FanoutTally.FrameType, DeliveryPublisher.Content(7, 123456, "xx"));

        var (type, _, _, content) = ProtocolV1Client.Read(ServerMessageJson.ToUtf8(delivery.Message));
        Assert.Equal("bench", type);
        Assert.True(BenchMarker.TryParse(content, out var n, out var sentAt));
        Assert.Equal(7, n);
        Assert.Equal(123456, sentAt);
        Assert.False(BenchMarker.TryParse("hello", out _, out _));
        Assert.False(BenchMarker.TryParse("bench:x:1", out _, out _));
        var (authType, user, _, noContent) = ProtocolV1Client.Read("""{"type":"auth:ok","userId":"u","connectionId":"c","timestamp":1,"id":"x"}"""u8);
        Assert.Equal(("auth:ok", "u", null), (authType, user, noContent));
    }

    // What a reader of the JSON result sees, not the in-memory nodes.
    private static JsonNode Reparse(JsonObject result) => JsonNode.Parse(result.ToJsonString())!;
}
