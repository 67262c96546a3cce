using System.Text.Json.Nodes;
using Suite.Load.Output;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>
/// The report from fabricated result documents: the targets of issues 9 and 10 met and missed, the
/// per-process CPU table and the sweep table; and how server processes get their roles.
/// </summary>
public sealed class ReportTests
{
    [Fact]
    public void Targets_of_issues_9_and_10_are_met_when_the_suite_beats_them()
    {
        var rows = TargetsTable.RoomOwnerAndEdge(
        [
            Result("fanout", "redis", Fanout(cpu: 20, p99: 2.5, lost: 0, joins: 1500, roomSide: 400)),
            Result("fanout", "seed-ws", Fanout(cpu: 42, p99: 3, lost: 0, joins: 1700, roomSide: null)),
            Result("direct", "redis", new JsonObject { ["latency"] = new JsonObject { ["p99Ms"] = 4.0 } }, new JsonObject { ["ratePerSecond"] = 500 }),
            Result("connect", "redis", new JsonObject { ["rssBytesPerConnection"] = 7000, ["idleCpuPercentOfCore"] = 0.3 }),
            Result("connect", "seed-ws", new JsonObject { ["rssBytesPerConnection"] = 12000, ["idleCpuPercentOfCore"] = 0.2 }),
            Result("fanout-sweep", "redis", new JsonObject { ["firstFallingBehindDeliveriesPerSecond"] = 39200, ["steps"] = new JsonArray() }),
            Result("fanout-sweep", "seed-ws", new JsonObject { ["firstFallingBehindDeliveriesPerSecond"] = null, ["lastKeptUpDeliveriesPerSecond"] = 39200, ["steps"] = new JsonArray() }),
        ]);

        Assert.Equal(TargetRow.Met, Status(rows, "server CPU per delivered message, room fan-out (redis)"));
        Assert.Equal("≤ 0.5 × seed-ws = 21.0 µs", rows.Single(r => r.Target == "server CPU per delivered message, room fan-out (redis)").Goal);
        Assert.Equal(TargetRow.Met, Status(rows, "p99 latency, room fan-out (redis)"));
        Assert.Equal(TargetRow.Met, Status(rows, "lost / duplicated, room fan-out (redis)"));
        Assert.Equal(TargetRow.Met, Status(rows, "joins per second, room fan-out setup, 64 in flight (redis)"));
        Assert.Equal(TargetRow.Met, Status(rows, "p99 latency, direct messages (redis)"));
        Assert.Equal(TargetRow.Met, Status(rows, "RSS per idle authenticated connection (redis)"));
        Assert.Equal(TargetRow.Met, Status(rows, "CPU holding idle connections (redis)"));
        var room = rows.Single(r => r.Target == "room service + its sidecar CPU per room message (redis)");
        Assert.Equal(("400 µs", "no baseline"), (room.Measured, room.Status));
        var sweep = rows.Single(r => r.Target.StartsWith("fan-out rate where it first falls behind", StringComparison.Ordinal));
        Assert.Equal("39,200 deliveries/s", sweep.Measured);
        Assert.Contains("seed-ws: not up to 39,200/s", sweep.Goal, StringComparison.Ordinal);
        Assert.DoesNotContain(rows, r => r.Target.Contains("(seed-ws)", StringComparison.Ordinal));
    }

    [Fact]
    public void Targets_of_issues_9_and_10_are_missed_when_the_suite_falls_short()
    {
        var rows = TargetsTable.RoomOwnerAndEdge(
        [
            Result("fanout", "embedded", Fanout(cpu: 30, p99: 2.5, lost: 3, joins: 255, roomSide: null)),
            Result("fanout", "redis", Fanout(cpu: 160, p99: 6000, lost: 0, joins: 98, roomSide: 2500, duplicated: 1)),
            Result("fanout", "seed-ws", Fanout(cpu: 42, p99: 3, lost: 0, joins: 1700, roomSide: null)),
            Result("direct", "redis", new JsonObject { ["latency"] = new JsonObject { ["p99Ms"] = 4.0 } }, new JsonObject { ["ratePerSecond"] = 100 }),
            Result("connect", "redis", new JsonObject { ["rssBytesPerConnection"] = 23000, ["idleCpuPercentOfCore"] = 21.0 }),
            Result("connect", "seed-ws", new JsonObject { ["rssBytesPerConnection"] = 12000, ["idleCpuPercentOfCore"] = 0.2 }),
        ]);

        Assert.Equal(TargetRow.Missed, Status(rows, "server CPU per delivered message, room fan-out (embedded)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "p99 latency, room fan-out (embedded)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "lost / duplicated, room fan-out (embedded)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "server CPU per delivered message, room fan-out (redis)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "p99 latency, room fan-out (redis)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "lost / duplicated, room fan-out (redis)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "joins per second, room fan-out setup, 64 in flight (redis)"));
        // 4 ms is under 5 ms, but not at the 500/s the target is set at.
        Assert.Equal(TargetRow.Missed, Status(rows, "p99 latency, direct messages (redis)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "RSS per idle authenticated connection (redis)"));
        Assert.Equal(TargetRow.Missed, Status(rows, "CPU holding idle connections (redis)"));
        // Embedded has no separate room process, and joins are held to 1,000/s over Redis only.
        Assert.DoesNotContain(rows, r => r.Target == "room service + its sidecar CPU per room message (embedded)");
        Assert.DoesNotContain(rows, r => r.Target == "joins per second, room fan-out setup, 64 in flight (embedded)");
    }

    [Fact]
    public void Targets_relative_to_seed_ws_are_not_judged_without_it()
    {
        var rows = TargetsTable.RoomOwnerAndEdge([Result("fanout", "redis", Fanout(cpu: 20, p99: 2, lost: 0, joins: 1500, roomSide: 400))]);

        Assert.Equal("not judged: seed-ws not run", Status(rows, "server CPU per delivered message, room fan-out (redis)"));
    }

    [Fact]
    public void Report_shows_cpu_per_process_and_the_sweep_with_a_column_per_mode()
    {
        var redis = Fanout(cpu: 100, p99: 2, lost: 0, joins: 1500, roomSide: 2400);
        redis["serverCpuByProcess"] = new JsonObject
        {
            ["room"] = Process(1.2, 60, 2940),
            ["room sidecar"] = Process(1.0, 50, 2450),
            ["edge-0"] = Process(0.5, 25, 1225),
        };
        var seedWs = Fanout(cpu: 42, p99: 3, lost: 0, joins: 1700, roomSide: null);
        seedWs["serverCpuByProcess"] = new JsonObject { ["seed-ws-0"] = Process(0.4, 20, 980), ["redis-server"] = Process(0.1, 5, 245) };

        var report = MarkdownReport.Render(
        [
            Result("fanout", "redis", redis),
            Result("fanout", "seed-ws", seedWs),
            Result("fanout-sweep", "redis", Sweep(behindAt: 1, (5, 4900, 4899, 2.0), (10, 9800, 9000, 80.0))),
            Result("fanout-sweep", "seed-ws", Sweep(behindAt: null, (5, 4900, 4900, 1.0), (10, 9800, 9800, 2.0))),
        ]);

        Assert.Contains("| process | redis | seed-ws |", report, StringComparison.Ordinal);
        Assert.Contains("| room | 60.0 µs (2940 µs) | - |", report, StringComparison.Ordinal);
        Assert.Contains("| seed-ws-0 | - | 20.0 µs (980 µs) |", report, StringComparison.Ordinal);
        Assert.Contains("| room service + its sidecar, per room message | 2400 µs | - |", report, StringComparison.Ordinal);
        Assert.Contains("| msg/s per sender | redis | seed-ws |", report, StringComparison.Ordinal);
        Assert.Contains("| 10 | 9,000 of 9,800/s, p50 / p99 1.0 / 80.0 ms, lost 0, 30.0 µs **behind** | 9,800 of 9,800/s, p50 / p99 1.0 / 2.0 ms, lost 0, 30.0 µs |", report, StringComparison.Ordinal);
        Assert.Contains("| **first falls behind at** | 9,800 deliveries/s | not up to 9,800/s |", report, StringComparison.Ordinal);
        Assert.Contains("### Targets (issues 9 and 10)", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_edge_alone_is_judged_against_send_floor_at_each_rate_in_a_column_of_its_own()
    {
        JsonObject[] results =
        [
            Result("fanout-local", "edge", new JsonObject { ["offeredDeliveriesPerSecond"] = 10000, ["serverCpuMicrosPerDelivery"] = 10.0 }),
            Result("fanout-local", "edge", new JsonObject { ["offeredDeliveriesPerSecond"] = 50000, ["serverCpuMicrosPerDelivery"] = 7.0 }),
            Result("send-floor", "send-floor", new JsonObject { ["cpuMicrosPerSend"] = 5.0 }, new JsonObject { ["connections"] = 1000, ["rounds"] = 200, ["frameBytes"] = 120 }),
        ];

        var rows = TargetsTable.RoomOwnerAndEdge(results);
        var report = MarkdownReport.Render(results);

        var at10k = rows.Single(r => r.Target == "edge CPU per delivery, fanout-local at 10,000/s (edge)");
        Assert.Equal(("10.0 µs (2.00× the floor)", "≤ 1.5 × send-floor = 7.5 µs", TargetRow.Missed), (at10k.Measured, at10k.Goal, at10k.Status));
        Assert.Equal(TargetRow.Met, Status(rows, "edge CPU per delivery, fanout-local at 50,000/s (edge)"));
        Assert.Contains("| figure | edge at 10,000/s | edge at 50,000/s |", report, StringComparison.Ordinal);
        Assert.Contains("| CPU per send() of one frame | 5.00 µs |", report, StringComparison.Ordinal);

        var withoutFloor = TargetsTable.RoomOwnerAndEdge(results[..1]);
        Assert.Equal("not judged: send-floor not run", Status(withoutFloor, "edge CPU per delivery, fanout-local at 10,000/s (edge)"));
    }

    [Fact]
    public void One_edge_at_100000_idle_connections_is_judged_when_held_and_projected_when_the_machine_allowed_fewer()
    {
        static JsonObject OneEdge(double held, double alive, double rss, double slope) => Result("connect", "edge", new JsonObject
        {
            ["heldThroughBaseline"] = held,
            ["aliveAtMeasurement"] = alive,
            ["after"] = new JsonObject { ["rssBytes"] = rss },
            ["rssBytesPerConnection"] = slope,
            ["idleCpuPercentOfCore"] = 9.0,
        });
        const string target = "RSS of one edge holding 100,000 idle connections (edge)";

        var held = TargetsTable.RoomOwnerAndEdge([OneEdge(25_000, 75_000, 900e6, 7000)]).Single(r => r.Target == target);
        var over = TargetsTable.RoomOwnerAndEdge([OneEdge(25_000, 75_000, 1.2e9, 7000)]).Single(r => r.Target == target);
        var fewer = TargetsTable.RoomOwnerAndEdge([OneEdge(4_750, 14_250, 250e6, 7000)]);

        Assert.Equal(("858.3 MiB at 100,000", TargetRow.Met), (held.Measured, held.Status));
        Assert.Equal(TargetRow.Missed, over.Status);
        var projected = fewer.Single(r => r.Target == target);
        // 250 MB + 81,000 x 7,000 B = 817 MB.
        Assert.Equal("238.4 MiB at 19,000; projected 779.2 MiB at 100,000 (6.8 KiB per connection)", projected.Measured);
        Assert.Equal("not judged: 19,000 held (open-files limit), within the goal if the slope holds", projected.Status);
        Assert.Equal(TargetRow.Met, Status(fewer, "RSS per idle authenticated connection (edge)"));
        Assert.DoesNotContain(fewer, r => r.Target.StartsWith("CPU holding idle connections", StringComparison.Ordinal));
    }

    [Fact]
    public void Server_processes_are_named_by_their_role()
    {
        EdgeTarget[] edges = [new("edge-1", new Uri("ws://127.0.0.1:1/ws"), new Uri("http://127.0.0.1:1/"), 41), new("seed-ws-0", new Uri("ws://127.0.0.1:2/ws"), new Uri("http://127.0.0.1:2/"), 42)];

        Assert.Equal("room", Role(["dotnet", "/r/services/room/bin/Release/net10.0/Suite.Room.dll"]));
        Assert.Equal("presence", Role(["dotnet", "/r/services/presence/bin/Release/net10.0/Suite.Presence.dll"]));
        Assert.Equal("launcher", Role(["dotnet", "/r/services/launcher/bin/Release/net10.0/Suite.Launcher.dll", "--edges", "2"]));
        Assert.Equal("room sidecar", Role(["dotnet", "/r/Suite.DaprEmulator.dll", "--app-id", "room", "--app-port", "5000"]));
        Assert.Equal("edge-1 sidecar", Role(["dotnet", "/r/Suite.DaprEmulator.dll", "--app-id", "edge-1"]));
        Assert.Equal("edge-1", ProcessRoles.Role(41, ["dotnet", "/r/Suite.Edge.dll"], "dotnet", edges));
        Assert.Equal("seed-ws-0", ProcessRoles.Role(42, ["node", "server.js"], "node", edges));
        Assert.Equal("embedded suite", ProcessRoles.Role(41, ["dotnet", "/r/Suite.Embedded.dll", "--port", "5"], "dotnet", edges));
        Assert.Equal("redis-server", ProcessRoles.Role(7, ["redis-server 127.0.0.1:6000"], "redis-server", edges));
        Assert.Equal("nats-server", ProcessRoles.Role(8, ["/usr/bin/nats-server", "-js"], "nats-server", edges));

        static string Role(string[] commandLine) => ProcessRoles.Role(99, commandLine, "dotnet", []);
    }

    [Fact]
    public void Parses_the_sweep_rates_for_its_scenario()
    {
        var settings = LoadSettings.Parse("fanout,fanout-sweep", ["--fanout-sweep.rates", "40, 10,20", "--fanout-sweep.duration", "5s"]);

        Assert.Equal([40, 10, 20], settings.ForScenario("fanout-sweep").SweepRates);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ForScenario("fanout-sweep").Duration);
        Assert.Equal([5, 10, 20, 40], settings.ForScenario("fanout").SweepRates);
        Assert.Throws<ArgumentException>(() => LoadSettings.Parse("fanout-sweep", ["--rates", "10,0"]));
    }

    [Fact]
    public void A_settle_that_is_not_positive_is_refused_by_name()
    {
        Assert.Contains("--settle", Assert.Throws<ArgumentException>(() => LoadSettings.Parse("connect", ["--settle", "0s"])).Message);
    }

    private static string Status(IReadOnlyList<TargetRow> rows, string target) => rows.Single(r => r.Target == target).Status;

    // Read back from JSON text, as the report reads result files.
    private static JsonObject Result(string scenario, string mode, JsonObject figures, JsonObject? settings = null) => JsonNode.Parse(new JsonObject
    {
        ["scenario"] = scenario,
        ["settings"] = settings ?? new JsonObject { ["rooms"] = 20, ["membersPerRoom"] = 50, ["sendersPerRoom"] = 1, ["warmupSeconds"] = 3, ["durationSeconds"] = 5 },
        ["target"] = new JsonObject { ["mode"] = mode },
        ["figures"] = figures,
    }.ToJsonString())!.AsObject();

    private static JsonObject Fanout(double cpu, double p99, long lost, double joins, double? roomSide, long duplicated = 0)
    {
        var figures = new JsonObject
        {
            ["delivered"] = 98000 - lost,
            ["expectedDeliveries"] = 98000,
            ["lost"] = lost,
            ["duplicated"] = duplicated,
            ["serverCpuMicrosPerDelivery"] = cpu,
            ["latency"] = new JsonObject { ["p50Ms"] = 1.0, ["p99Ms"] = p99 },
            ["joinsPerSecond"] = joins,
        };
        if (roomSide is { } room)
        {
            figures["roomAndSidecarCpuMicrosPerRoomMessage"] = room;
        }

        return figures;
    }

    private static JsonObject Process(double cpuSeconds, double perDelivery, double perRoomMessage) => new()
    {
        ["pids"] = new JsonArray(1),
        ["cpuSeconds"] = cpuSeconds,
        ["microsPerDelivery"] = perDelivery,
        ["microsPerRoomMessage"] = perRoomMessage,
    };

    private static JsonObject Sweep(int? behindAt, params (double Rate, double Offered, double Delivered, double P99)[] steps) => new()
    {
        ["steps"] = new JsonArray([.. steps.Select((s, i) => (JsonNode)new JsonObject
        {
            ["senderRatePerSecond"] = s.Rate,
            ["offeredDeliveriesPerSecond"] = s.Offered,
            ["deliveredPerSecond"] = s.Delivered,
            ["latency"] = new JsonObject { ["p50Ms"] = 1.0, ["p99Ms"] = s.P99 },
            ["lost"] = 0,
            ["serverCpuMicrosPerDelivery"] = 30.0,
            ["fellBehind"] = i == behindAt,
        })]),
        ["firstFallingBehindDeliveriesPerSecond"] = behindAt is { } at ? steps[at].Offered : null,
        ["lastKeptUpDeliveriesPerSecond"] = steps[(behindAt ?? steps.Length) - 1].Offered,
        ["behindP99Ms"] = 50,
        ["behindDeliveredShare"] = 0.95,
    };
}
