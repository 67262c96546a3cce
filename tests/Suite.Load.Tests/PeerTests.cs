using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Measurement;
using Suite.Load.Scenarios;
using Suite.Load.Targets;
using Suite.Load.Targets.Peers;

namespace Suite.Load.Tests;

/// <summary>
/// The peers, started by the generator the way a benchmark starts them (prepared in the cache
/// folder, one real redis-server, two real instances) and driven by the same clients and scenarios
/// as the suite. The first run installs seed-ws's packages and builds the SignalR peer, hence the
/// generous timeout.
/// </summary>
public sealed class PeerTests
{
    private const int Members = 20;
    private const int Messages = 5;
    private static readonly string RepoRoot = FindRepoRoot();

    [Fact]
    public Task Seed_ws_delivers_room_messages_once_across_instances_and_measures_connect() => RunAsync("seed-ws", "node", "npm");

    [Fact]
    public Task SignalR_delivers_room_messages_once_across_instances_and_measures_connect() => RunAsync("signalr", "dotnet");

    private static async Task RunAsync(string mode, params string[] tools)
    {
        var peersDir = PeerBuild.DefaultPeersDir(RepoRoot);
        if (!Directory.Exists(peersDir))
        {
            Assert.Skip($"no peers at {peersDir}");
        }

        if (!File.Exists(Suite.LocalServers.RedisServer.DefaultExecutable))
        {
            Assert.Skip($"no redis-server at {Suite.LocalServers.RedisServer.DefaultExecutable}");
        }

        foreach (var tool in tools.Where(t => !OnPath(t)))
        {
            Assert.Skip($"{tool} is not on PATH");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        var settings = new LoadSettings
        {
            Scenario = "connect",
            Mode = mode,
            Instances = 2,
            Connections = 30,
            SourceAddresses = 4,
            Warmup = 10,
            Settle = TimeSpan.FromSeconds(1),
        };
        await using var system = await ScenarioRunner.StartAsync(settings, RepoRoot, timeout.Token);

        Assert.Equal(mode, system.Mode);
        Assert.Equal(2, system.Edges.Count);
        Assert.False(system.SupportsDirect);
        var pids = system.ServerProcessIds();
        Assert.Equal(3, pids.Distinct().Count());
        Assert.All(pids, pid => Assert.NotNull(ProcessStats.ResidentBytes(pid)));
        Assert.Equal(["redis-server", $"{mode}-0", $"{mode}-1"], system.ServerProcesses().Select(p => p.Role).Order(StringComparer.Ordinal));

        await AssertRoomFanOutAsync(system, timeout.Token);

        var result = await ScenarioRunner.RunAsync(new ConnectScenario(), system, settings, Progress.Silent, timeout.Token);
        var figures = JsonNode.Parse(result.ToJsonString())!["figures"]!;
        TestContext.Current.TestOutputHelper?.WriteLine($"{mode} connect: {figures.ToJsonString()}");
        Assert.Equal(30, figures["connected"]!.GetValue<int>());
        Assert.Equal(0, figures["failed"]!.GetValue<int>());
        Assert.NotNull(figures["rssBytesPerConnection"]);
    }

    // Members alternate between the two instances (the fleet's round robin), so half of every
    // message crosses Redis; each other member must see each message exactly once, the sender none.
    private static async Task AssertRoomFanOutAsync(ISystemUnderTest system, CancellationToken cancellationToken)
    {
        var tally = new Tally();
        await using var fleet = new ClientFleet(system, sourceAddresses: 4);
        await fleet.OpenAsync(first: 0, Members, perSecond: 200, concurrency: Members, tally, state: null, cancellationToken);
        Assert.Equal(Members, fleet.Connected);
        var clients = fleet.ByIndex();
        await Task.WhenAll(clients.Values.Select(c => c.JoinAsync("peer-room", cancellationToken)));

        var sender = clients[0];
        // The last one is a barrier: once every member has it, an earlier duplicate would have shown.
        for (var n = 0; n <= Messages; n++)
        {
            await sender.SendToRoomAsync("peer-room", BenchMarker.Create(n, Stopwatch.GetTimestamp()), cancellationToken);
        }

        var expected = (Members - 1) * (Messages + 1);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (tally.Distinct < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }

        for (var index = 1; index < Members; index++)
        {
            for (var n = 0; n <= Messages; n++)
            {
                Assert.True(tally.Count(index, n) == 1, $"member {index} ({fleet.EdgeFor(index).EdgeId}) got message {n} {tally.Count(index, n)} times");
            }
        }

        Assert.Equal(0, Enumerable.Range(0, Messages + 1).Sum(n => tally.Count(0, n)));
        Assert.All(clients.Values, c => Assert.Null(c.Lost));
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Suite.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Suite.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed class Tally : IBenchObserver
    {
        private readonly ConcurrentDictionary<(int Index, long Number), int> _counts = new();

        public int Distinct => _counts.Count;

        public int Count(int index, long number) => _counts.TryGetValue((index, number), out var count) ? count : 0;

        public void OnBench(IGatewayClient client, long number, long sentAtStopwatch) =>
            _counts.AddOrUpdate((client.Index, number), 1, (_, count) => count + 1);
    }
}
