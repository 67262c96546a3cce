using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// The measured part of every delivery scenario: CPU of each server process and the room service's
/// publish counter read before and after, then the tally turned into figures (delivered msgs/s,
/// latency, lost, duplicated, server CPU per delivered message in total and per process).
/// </summary>
internal sealed class DeliveryWindow
{
    // suite.room.publishes{kind=message}: one per edge a room message was published to.
    private const string RoomPublishes = "suite_room_publishes_total";
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WarmUpScrapeInterval = TimeSpan.FromSeconds(2);
    private readonly ISystemUnderTest _system;
    private readonly HttpClient _http;
    private readonly CpuSample _cpuBefore;
    private readonly TieredCompilation _compilationBefore;
    private readonly TimeSpan _loadCpuBefore;
    private readonly long _openedAt;
    private readonly double? _roomPublishesBefore;
    private readonly NoGcWindow _loadGc;

    private DeliveryWindow(ISystemUnderTest system, HttpClient http, CpuSample cpuBefore, double? roomPublishesBefore)
    {
        _system = system;
        _http = http;
        _cpuBefore = cpuBefore;
        _compilationBefore = TieredCompilation.Take(system.ServerProcessIds());
        _roomPublishesBefore = roomPublishesBefore;
        // Starting the region costs the generator one full collection: before its CPU and the clock start.
        _loadGc = NoGcWindow.Start();
        _loadCpuBefore = LoadCpu();
        _openedAt = Stopwatch.GetTimestamp();
    }

    public static async Task<DeliveryWindow> OpenAsync(ISystemUnderTest system, HttpClient http, CancellationToken cancellationToken)
    {
        var publishes = await SumAsync(system, http, RoomPublishes, "kind=\"message\"", cancellationToken);
        return new DeliveryWindow(system, http, CpuSample.Take(system.ServerProcesses()), publishes);
    }

    /// <summary>
    /// Runs <paramref name="warmUp"/> while scraping every service's /metrics every few seconds, as a
    /// production Prometheus does and as <see cref="OpenAsync"/> will. Without it the window's scrape
    /// was a service's second (the warm-up had none, or one): the first runs the metric exporter's code
    /// before tiering counts its calls, the second makes its hot methods due for tier 1, and ~1 s later
    /// every service's tier-1 compiler recompiled them at once, ~200 ms of the one core's CPU that
    /// stalled the fan-out inside the window (p50 30-50 ms for 300 ms, the window's p99;
    /// docs/benchmarks.md). That is a start-up cost, which the warm-up is for.
    /// </summary>
    public static async Task<T> WhileScrapingAsync<T>(ISystemUnderTest system, HttpClient http, Task<T> warmUp, CancellationToken cancellationToken)
    {
        while (!warmUp.IsCompleted)
        {
            await SumAsync(system, http, RoomPublishes, "kind=\"message\"", cancellationToken);
            await Task.WhenAny(warmUp, Task.Delay(WarmUpScrapeInterval, cancellationToken));
        }

        return await warmUp;
    }

    /// <summary>
    /// Waits until every expected message arrived, every client is gone, nothing new arrived for 5 s
    /// (the rest is lost), or the timeout passed (the rest is late: counted as lost). Arrived means marked
    /// in the clients' bitmaps (<paramref name="receivedBefore"/> of them before the window), not frames
    /// counted: late warm-up frames and duplicates are frames too, and counting them ended the wait while
    /// the window's last messages were still on their way, which then showed as lost (a sweep's steps).
    /// </summary>
    public static async Task DrainAsync(FanoutTally tally, long expected, IReadOnlyCollection<IGatewayClient> clients, TimeSpan timeout, Progress progress, CancellationToken cancellationToken, long receivedBefore = 0)
    {
        progress.Phase("draining", () => $"received {ReceivedSoFar(clients) - receivedBefore}/{expected}");
        var started = Stopwatch.GetTimestamp();
        var lastProgress = started;
        var seen = tally.Frames;
        while (ReceivedSoFar(clients) - receivedBefore < expected && Stopwatch.GetElapsedTime(started) < timeout && clients.Any(c => c.Lost is null)
            && Stopwatch.GetElapsedTime(lastProgress) < Stall)
        {
            await Task.Delay(50, cancellationToken);
            if (tally.Frames != seen)
            {
                (seen, lastProgress) = (tally.Frames, Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>The figures of the window; <paramref name="scheduleStart"/> is when the first message was due.</summary>
    /// <param name="receivedBefore">Messages the clients' bitmaps held when the window opened (a sweep's earlier steps).</param>
    /// <param name="roomMessages">Room messages sent in the window, for CPU per room message (fan-out).</param>
    public async Task<JsonObject> CloseAsync(
        FanoutTally tally, long expected, IReadOnlyCollection<IGatewayClient> clients, long scheduleStart, CancellationToken cancellationToken, long receivedBefore = 0, long? roomMessages = null)
    {
        var loadGc = _loadGc.End();
        var cpuAfter = CpuSample.Take(_system.ServerProcesses());
        var compilation = TieredCompilation.Take(_system.ServerProcessIds()).Since(_compilationBefore);
        var cpu = cpuAfter.Total - _cpuBefore.Total;
        var processes = cpuAfter.Processes;
        var windowSeconds = Stopwatch.GetElapsedTime(_openedAt).TotalSeconds;
        var loadCpu = LoadCpu() - _loadCpuBefore;
        var received = ReceivedSoFar(clients) - receivedBefore;
        var lastFrame = tally.LastFrame;
        var deliverySeconds = lastFrame > scheduleStart ? Stopwatch.GetElapsedTime(scheduleStart, lastFrame).TotalSeconds : double.NaN;
        var figures = new JsonObject
        {
            ["expectedDeliveries"] = expected,
            ["delivered"] = received,
            ["lost"] = expected - received,
            ["duplicated"] = tally.Duplicates,
            ["unexpected"] = tally.Unexpected,
            ["disconnectedDuringRun"] = clients.Count(c => c.Lost is not null),
            ["deliveredPerSecond"] = double.IsNaN(deliverySeconds) ? 0 : Math.Round(tally.Frames / deliverySeconds, 1),
            ["latency"] = tally.Latency.ToJson(),
            ["serverProcesses"] = processes,
            ["loadCpuPercentOfCore"] = Math.Round(loadCpu.TotalSeconds / windowSeconds * 100, 1),
            ["loadGarbageCollections"] = loadGc,
            ["errorFrames"] = Scenarios.ConnectScenario.ToJson(tally.Errors),
        };
        if (processes > 0)
        {
            figures["serverCpuSeconds"] = Math.Round(cpu.TotalSeconds, 3);
            figures["serverCpuPercentOfCore"] = Math.Round(cpu.TotalSeconds / windowSeconds * 100, 1);
            // Part of the server CPU above, not steady-state work: tier-1 recompilation still running.
            figures["serverCompilationCpuSeconds"] = Math.Round(compilation.TotalSeconds, 3);
            if (received > 0)
            {
                figures["serverCpuMicrosPerDelivery"] = Math.Round(cpu.TotalMicroseconds / received, 2);
            }

            var byRole = cpuAfter.Since(_cpuBefore);
            figures["serverCpuByProcess"] = PerProcess(byRole, cpuAfter.ContextSwitchesSince(_cpuBefore), received, roomMessages);
            var roomSide = byRole.Where(r => IsRoomService(r.Role)).ToList();
            if (roomMessages > 0 && roomSide.Count > 0)
            {
                figures["roomAndSidecarCpuMicrosPerRoomMessage"] = Math.Round(roomSide.Sum(r => r.Cpu.TotalMicroseconds) / roomMessages.Value, 1);
            }
        }

        if (_roomPublishesBefore is { } before && await SumAsync(_system, _http, RoomPublishes, "kind=\"message\"", cancellationToken) is { } after)
        {
            figures["roomEdgePublishes"] = after - before;
        }

        return figures;
    }

    /// <summary>Messages the clients have received so far (their bitmaps' counts).</summary>
    public static long ReceivedSoFar(IEnumerable<IGatewayClient> clients) => clients.Sum(c => (long)((FanoutTally.Received)c.State!).Count);

    /// <summary>The room service and its sidecar (each replica's, "room #2", "room sidecar #2").</summary>
    public static bool IsRoomService(string role) =>
        role == "room" || role.StartsWith("room #", StringComparison.Ordinal) || role.StartsWith("room sidecar", StringComparison.Ordinal);

    // Keyed by role; CPU in seconds (the total's unit) and per delivered / room message in µs; context
    // switches in all and per room message (a per-hop wake-up shows there, not in CPU alone).
    private static JsonObject PerProcess(IReadOnlyList<(string Role, IReadOnlyList<int> Pids, TimeSpan Cpu)> byRole, IReadOnlyDictionary<string, long> switches, long delivered, long? roomMessages)
    {
        var table = new JsonObject();
        foreach (var (role, pids, cpu) in byRole)
        {
            var entry = new JsonObject
            {
                ["pids"] = new JsonArray([.. pids.Select(p => (JsonNode)p)]),
                ["cpuSeconds"] = Math.Round(cpu.TotalSeconds, 3),
            };
            if (delivered > 0)
            {
                entry["microsPerDelivery"] = Math.Round(cpu.TotalMicroseconds / delivered, 2);
            }

            if (roomMessages > 0)
            {
                entry["microsPerRoomMessage"] = Math.Round(cpu.TotalMicroseconds / roomMessages.Value, 1);
            }

            if (switches.TryGetValue(role, out var switched))
            {
                entry["contextSwitches"] = switched;
                if (roomMessages > 0)
                {
                    entry["contextSwitchesPerRoomMessage"] = Math.Round((double)switched / roomMessages.Value, 2);
                }
            }

            table[role] = entry;
        }

        return table;
    }

    private static TimeSpan LoadCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>A counter summed over every suite service's /metrics; null when none exports it (the peers).</summary>
    private static async Task<double?> SumAsync(ISystemUnderTest system, HttpClient http, string name, string labelContains, CancellationToken cancellationToken)
    {
        double? sum = null;
        foreach (var endpoint in system.MetricsEndpoints)
        {
            try
            {
                var scrape = await PrometheusScrape.FromAsync(http, endpoint, cancellationToken);
                if (scrape.Sum(name, labelContains) is { } value)
                {
                    sum = (sum ?? 0) + value;
                }
            }
            catch (HttpRequestException)
            {
                // A service without metrics right now: its share is missing, not zero.
            }
        }

        return sum;
    }
}
