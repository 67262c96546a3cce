using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Measurement;
using Suite.Load.Targets;
using Suite.Load.Targets.Peers;

namespace Suite.Load.Scenarios;

/// <summary>Starts the system for the mode, runs one scenario, stops the system, and wraps the figures into the result document.</summary>
internal static class ScenarioRunner
{
    public static IReadOnlyDictionary<string, Func<IScenario>> Scenarios { get; } = new Dictionary<string, Func<IScenario>>
    {
        ["connect"] = () => new ConnectScenario(),
        ["fanout-local"] = () => new FanoutLocalScenario(),
        ["fanout"] = () => new RoomFanoutScenario(),
        ["fanout-sweep"] = () => new FanoutSweepScenario(),
        ["direct"] = () => new DirectScenario(),
        ["notify"] = () => new NotifyScenario(),
        ["storm"] = () => new StormScenario(),
        ["soak"] = () => new Soak.SoakScenario(),
    };

    /// <summary>Starts the system once and runs each scenario of <c>settings.Scenario</c> (comma-separated) against it, in order.</summary>
    public static async Task<List<JsonObject>> RunAsync(LoadSettings settings, string repoRoot, Progress progress, CancellationToken cancellationToken)
    {
        var scenarios = settings.Scenario.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => Scenarios.TryGetValue(name, out var create)
                ? create()
                : throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", Scenarios.Keys)}"))
            .ToList();
        progress.Phase($"starting the system (mode {settings.Mode})");
        await using var system = await StartAsync(settings, repoRoot, cancellationToken);
        var results = new List<JsonObject>();
        foreach (var scenario in scenarios)
        {
            if (results.Count > 0)
            {
                await SettleAsync(system, progress, cancellationToken);
            }

            progress.Title($"{system.Mode}: {scenario.Name}");
            results.Add(await RunAsync(scenario, system, settings.ForScenario(scenario.Name), progress, cancellationToken));
        }

        progress.Phase("stopping the system");
        return results;
    }

    /// <summary>
    /// Between scenarios: waits (at most 60 s) until the servers use less than a quarter of a core,
    /// so one scenario's aftermath (thousands of disconnects being cleaned up) is not measured as the next one's cost.
    /// </summary>
    private static async Task SettleAsync(ISystemUnderTest system, Progress progress, CancellationToken cancellationToken)
    {
        var busy = 1.0;
        progress.Phase("settling: waiting for the servers to go quiet", () => $"{busy * 100:F0} % of a core");
        await QuietWait.UntilAsync(system.ServerProcessIds().ToList(), share: 0.25, inARow: 1, TimeSpan.FromSeconds(60), b => busy = b, cancellationToken);
    }

    /// <summary>Runs against a system someone else started (tests).</summary>
    public static async Task<JsonObject> RunAsync(IScenario scenario, ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        // Every protocol-v1 client the scenario makes speaks the run's encoding and offers deflate if asked.
        ClientWire.Current = ClientWire.From(settings);
        var figures = await scenario.RunAsync(system, settings, progress, cancellationToken);
        var target = new JsonObject
        {
            ["mode"] = system.Mode,
            ["edges"] = new JsonArray(system.Edges.Select(e => (JsonNode)new JsonObject { ["edgeId"] = e.EdgeId, ["url"] = e.WebSocketUri.ToString() }).ToArray()),
        };
        foreach (var (key, value) in system.Description)
        {
            target[key] = value;
        }

        return new JsonObject
        {
            ["scenario"] = scenario.Name,
            ["startedAt"] = startedAt.ToString("O"),
            ["finishedAt"] = DateTimeOffset.UtcNow.ToString("O"),
            ["settings"] = Describe(settings),
            ["machine"] = MachineInfo.Describe(),
            ["target"] = target,
            ["figures"] = figures,
        };
    }

    public static async Task<ISystemUnderTest> StartAsync(LoadSettings settings, string repoRoot, CancellationToken cancellationToken) => settings.Mode switch
    {
        "edge" => await EdgeProcess.StartAsync(settings.EdgeDll ?? EdgeProcess.DefaultEdgeDll(repoRoot), settings.SigningKey, settings.EdgeEnv, cancellationToken, cpus: settings.EdgeCpus),
        "seed-ws" => await SeedWsPeer.StartAsync(settings.PeersDir ?? PeerBuild.DefaultPeersDir(repoRoot), settings.Instances, settings.SigningKey, settings.EdgeCpus, cancellationToken),
        "signalr" => await SignalRPeer.StartAsync(settings.PeersDir ?? PeerBuild.DefaultPeersDir(repoRoot), settings.Instances, settings.SigningKey, settings.EdgeCpus, cancellationToken),
        "embedded" or "redis" or "nats" => await SuiteProcess.StartAsync(settings, repoRoot, cancellationToken),
        _ => RunningEdges.FromUrls(settings.Urls, settings.EdgeIds, settings.SigningKey, settings.DaprHttp is { } dapr ? new Uri(dapr) : null),
    };

    // The generator's own affinity (Cpus_allowed_list), so a result says whether load and server shared cores.
    private static string? LoadCpus()
    {
        try
        {
            return File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static JsonObject Describe(LoadSettings s) => new()
    {
        ["mode"] = s.Mode,
        ["edges"] = s.Edges,
        ["connections"] = s.Connections,
        ["connectRate"] = s.ConnectRate,
        ["connectConcurrency"] = s.ConnectConcurrency,
        ["sourceAddresses"] = s.SourceAddresses,
        ["ratePerSecond"] = s.Rate,
        ["durationSeconds"] = s.Duration.TotalSeconds,
        ["settleSeconds"] = s.Settle.TotalSeconds,
        ["drainTimeoutSeconds"] = s.DrainTimeout.TotalSeconds,
        ["payloadBytes"] = s.PayloadBytes,
        ["envelope"] = s.Envelope,
        ["padding"] = s.Padding,
        ["encoding"] = s.Encoding,
        ["deflate"] = s.Deflate,
        ["warmup"] = s.Warmup,
        ["held"] = s.Held,
        ["warmupIdleSeconds"] = s.WarmupIdle.TotalSeconds,
        ["rooms"] = s.Rooms,
        ["membersPerRoom"] = s.Members,
        ["sendersPerRoom"] = s.Senders,
        ["senderRatePerSecond"] = s.SenderRate,
        ["sweepRatesPerSecond"] = new JsonArray([.. s.SweepRates.Select(r => (JsonNode)r)]),
        ["stormDeadlineSeconds"] = s.StormDeadline.TotalSeconds,
        ["warmupSeconds"] = s.WarmupDuration.TotalSeconds,
        ["pairs"] = s.Pairs,
        ["notifyRatePerSecond"] = s.NotifyRate,
        ["churnIntervalSeconds"] = s.ChurnInterval.TotalSeconds,
        ["churnAwaySeconds"] = s.ChurnAway.TotalSeconds,
        ["burstIntervalSeconds"] = s.BurstInterval.TotalSeconds,
        ["burstShare"] = s.BurstShare,
        ["sampleIntervalSeconds"] = s.SampleInterval.TotalSeconds,
        ["rssGrowthLimitPercent"] = s.RssGrowthLimitPercent,
        ["collectBeforeSample"] = s.CollectBeforeSample,
        ["edgeCpus"] = s.EdgeCpus,
        ["loadCpus"] = LoadCpus(),
        ["loadInlineSocketCompletions"] = InlineSocketCompletions.Active,
        ["edgeEnv"] = new JsonArray(s.EdgeEnv.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
    };
}
