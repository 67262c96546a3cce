using System.Collections.Concurrent;
using System.Diagnostics;
using Suite.Load.Clients;
using Suite.Load.Scenarios;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>
/// The generator starts the whole suite itself (the builds this project depends on) and room
/// messages cross edges: edge → room → pub/sub → every member's edge. Each test also checks what
/// a benchmark reads from the system (its processes, metrics and sidecar) and that dispose leaves
/// no process behind.
/// </summary>
public sealed class SuiteModeTests
{
    private const int Clients = 20;
    private const int Messages = 5;
    private const string Room = "suite-mode-room";

    [Fact]
    public Task Embedded_suite_delivers_room_messages_once_and_leaves_nothing_behind() => RoomRoundTripAsync("embedded", minimumProcesses: 1, ["embedded suite"]);

    // Launcher, redis-server, presence, room, notification and two edges, each service with its sidecar.
    [Fact]
    public Task Redis_suite_delivers_room_messages_across_edges_once_and_leaves_nothing_behind() => RoomRoundTripAsync("redis", minimumProcesses: 12, [.. LauncherRoles, "redis-server"]);

    // As redis, plus nats-server (pub/sub over JetStream; state stays on Redis).
    [Fact]
    public Task Nats_suite_delivers_room_messages_across_edges_once_and_leaves_nothing_behind() => RoomRoundTripAsync("nats", minimumProcesses: 13, [.. LauncherRoles, "redis-server", "nats-server"]);

    // What the launcher starts, as the per-process CPU table names it.
    private static readonly string[] LauncherRoles =
    [
        "launcher", "presence", "presence sidecar", "room", "room sidecar", "notification", "notification sidecar",
        "edge-0", "edge-0 sidecar", "edge-1", "edge-1 sidecar",
    ];

    [Fact]
    public void Parses_the_suite_modes_and_the_edge_count()
    {
        var nats = LoadSettings.Parse("connect", ["--mode", "nats", "--edges", "3"]);
        Assert.Equal(("nats", 3), (nats.Mode, nats.Edges));
        Assert.Equal(2, LoadSettings.Parse("connect", ["--mode", "embedded"]).Edges);
        Assert.Throws<ArgumentException>(() => LoadSettings.Parse("connect", ["--mode", "kafka"]));
        Assert.Throws<ArgumentException>(() => LoadSettings.Parse("connect", ["--mode", "redis", "--edges", "0"]));
    }

    private static async Task RoomRoundTripAsync(string mode, int minimumProcesses, string[] roles)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        var settings = new LoadSettings { Mode = mode, Edges = 2, SourceAddresses = 4 };
        IReadOnlyList<int> pids;
        SuiteProcess? embedded = null;
        await using (var system = await ScenarioRunner.StartAsync(settings, Suite.LocalServers.RepositoryRoot.Find(), ct))
        {
            embedded = mode == "embedded" ? (SuiteProcess)system : null;
            pids = system.ServerProcessIds();
            Assert.True(pids.Count >= minimumProcesses, $"{pids.Count} server processes: {string.Join(",", pids)}");
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"process {pid} is alive"));
            Assert.All(system.Edges, edge => Assert.Contains(edge.ProcessId!.Value, pids));
            Assert.Equal(mode == "embedded" ? 1 : 2, system.Edges.Count);
            var named = system.ServerProcesses();
            Assert.Equal(pids, named.Select(p => p.Pid));
            Assert.Equal(named.Count, named.Select(p => p.Role).Distinct().Count());
            Assert.All(roles, role => Assert.Contains(role, named.Select(p => p.Role)));

            var observer = new ReceivedCounts();
            await using var fleet = new ClientFleet(system, settings.SourceAddresses);
            await fleet.OpenAsync(0, Clients, perSecond: 200, concurrency: Clients, observer, state: null, ct);
            Assert.True(fleet.Connected == Clients, $"connected {fleet.Connected}: {string.Join("; ", fleet.Failures.Select(f => $"{f.Key} x{f.Value}"))}");
            var clients = fleet.ByIndex();
            await Task.WhenAll(clients.Values.Select(c => c.JoinAsync(Room, ct)));

            var sender = clients[0];
            var receivers = clients.Values.Where(c => c != sender).Select(c => c.Index).ToList();
            for (var n = 1; n <= Messages; n++)
            {
                await sender.SendToRoomAsync(Room, BenchMarker.Create(n, Stopwatch.GetTimestamp()), ct);
            }

            // A last message as a fence: once every receiver has it, a repeat of an earlier one would have shown.
            await sender.SendToRoomAsync(Room, BenchMarker.Create(Messages + 1, Stopwatch.GetTimestamp()), ct);
            await Until(() => receivers.All(r => observer.Count(r, Messages + 1) > 0), TimeSpan.FromSeconds(30), () => observer.Summary(), ct);
            // Every receiver checked before reporting, with what the clients and the suite said, so a
            // failure shows whether one message was lost for everyone (was the sender told why?) or one client lost it.
            var wrong = receivers.SelectMany(r => Enumerable.Range(1, Messages).Where(n => observer.Count(r, n) != 1).Select(n => $"client {r} got message {n} {observer.Count(r, n)} times")).ToList();
            Assert.True(wrong.Count == 0, $"{string.Join("; ", wrong)}{Environment.NewLine}{observer.Summary()}{Environment.NewLine}error frames: {observer.Errors()}{Environment.NewLine}suite output:{Environment.NewLine}{(system as SuiteProcess)?.RecentOutput}");

            // A clean start says nothing at error level (its own readiness polls once logged each unready answer).
            if (mode == "embedded")
            {
                var output = ((SuiteProcess)system).RecentOutput;
                Assert.False(output.Contains("fail:", StringComparison.Ordinal), output);
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal(system.Edges.Count + 3, system.MetricsEndpoints.Count);
            foreach (var metrics in system.MetricsEndpoints)
            {
                using var response = await http.GetAsync(metrics, ct);
                Assert.True(response.IsSuccessStatusCode, $"{metrics}: {response.StatusCode}");
            }

            var room = system.MetricsEndpoints.Single(m => m.Port == new Uri(system.Description["metrics:room"]).Port);
            Assert.Contains("suite_room_publishes_total", await http.GetStringAsync(room, ct), StringComparison.Ordinal);
            using var health = await http.GetAsync(new Uri(system.DaprHttpEndpoint!, "v1.0/healthz"), ct);
            Assert.True(health.IsSuccessStatusCode, $"sidecar health: {health.StatusCode}");
        }

        await Until(() => pids.All(pid => !Alive(pid)), TimeSpan.FromSeconds(30), () => "alive: " + string.Join(",", pids.Where(Alive)), ct);

        // A clean stop (SIGTERM) says nothing at warning level either: each service stops before its
        // sidecar, and none of them stops on the signal by itself (they once all did at once, and the
        // services logged their sidecars' disappearance with stack traces).
        if (embedded is not null)
        {
            await embedded.OutputEnded.WaitAsync(TimeSpan.FromSeconds(30), ct);
            var output = embedded.RecentOutput;
            var stop = output.IndexOf("stopping", StringComparison.Ordinal);
            Assert.True(stop >= 0, output);
            Assert.DoesNotContain("warn:", output[stop..], StringComparison.Ordinal);
            Assert.DoesNotContain("fail:", output[stop..], StringComparison.Ordinal);
        }
    }

    // A pid whose process ended may linger as a zombie until its new parent reaps it; it no longer runs.
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout, Func<string> state, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {timeout}: {state()}");
            await Task.Delay(50, ct);
        }
    }

    private sealed class ReceivedCounts : IBenchObserver
    {
        private readonly ConcurrentDictionary<(int Client, long Number), int> _counts = new();
        private readonly ConcurrentQueue<string> _errors = new();

        public void OnBench(IGatewayClient client, long number, long sentAtStopwatch) =>
            _counts.AddOrUpdate((client.Index, number), 1, (_, c) => c + 1);

        public void OnError(IGatewayClient client, string code) => _errors.Enqueue($"client {client.Index}: {code}");

        public string Errors() => _errors.IsEmpty ? "none" : string.Join(", ", _errors);

        public int Count(int client, long number) => _counts.GetValueOrDefault((client, number));

        public string Summary() => $"{_counts.Count} (client, message) pairs received: " +
            string.Join(" ", _counts.GroupBy(p => p.Key.Number).OrderBy(g => g.Key).Select(g => $"#{g.Key}:{g.Count()}"));
    }
}
