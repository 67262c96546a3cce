using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>connect</c>: N authenticated idle connections opened at a bounded rate. The edge's memory is
/// measured before and after, each time right after a forced full GC, and the difference divided by
/// N gives the bytes one idle authenticated connection costs. A warm-up batch opened and closed
/// first keeps JIT, pools and first-use caches out of that difference.
/// </summary>
internal sealed class ConnectScenario : IScenario
{
    public string Name => "connect";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var probes = system.Edges.Select(edge => new EdgeProbe(edge, http)).ToList();
        var n = settings.Connections;

        if (settings.Warmup > 0)
        {
            await using var warmup = new ClientFleet(system, settings.SourceAddresses);
            progress.Phase("warm-up", () => $"{warmup.Connected}/{settings.Warmup} connected, {warmup.Failed} failed");
            await warmup.OpenAsync(first: 1_000_000, settings.Warmup, settings.ConnectRate, settings.ConnectConcurrency, observer: null, state: null, cancellationToken);
            if (settings.WarmupIdle > TimeSpan.Zero)
            {
                progress.Phase($"warm-up: idle for {settings.WarmupIdle.TotalSeconds:F0} s");
                await Task.Delay(settings.WarmupIdle, cancellationToken);
            }

            await warmup.CloseAllAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        // Held connections stay open until the end, so the baseline already carries them.
        var edgePids = system.Edges.Where(e => e.ProcessId is not null).Select(e => e.ProcessId!.Value).ToList();

        // Until the edges are under 3 % of a core three seconds in a row, tier-1 compilation included (at most 90 s).
        async Task<(TimeSpan Elapsed, TimeSpan? Cpu)> EdgesQuietAsync(string when)
        {
            var busy = 1.0;
            progress.Phase($"{when}: waiting for the edges to go quiet", () => $"{busy * 100:F1} % of a core");
            return await QuietWait.UntilAsync(edgePids, share: 0.03, inARow: 3, TimeSpan.FromSeconds(90), b => busy = b, cancellationToken, untilCompiled: true);
        }

        await using var held = new ClientFleet(system, settings.SourceAddresses);
        if (settings.Held > 0)
        {
            progress.Phase($"held: connecting {settings.Held}", () => $"{held.Connected}/{settings.Held} connected, {held.Failed} failed");
            await held.OpenAsync(first: 2_000_000, settings.Held, settings.ConnectRate, settings.ConnectConcurrency, observer: null, state: null, cancellationToken);
            progress.Phase($"held: idle for {settings.Settle.TotalSeconds:F0} s");
            await Task.Delay(settings.Settle, cancellationToken);

            // And until the edges are quiet with their tier-1 compilation done: code the held
            // connections made hot and compiled after the baseline read as memory per measured
            // connection (~2.4 KB per connection in 6 of 21 embedded runs, docs/benchmarks.md).
            await EdgesQuietAsync("held");
        }

        progress.Phase("baseline: forcing a GC in the edge");
        var gcForced = await EdgeProbe.ForceGcAllAsync(probes, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var before = await EdgeProbe.SampleAllAsync(probes, cancellationToken);
        var serverRssBefore = ServerCpu.ResidentBytes(system.ServerProcessIds());

        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        var started = Stopwatch.GetTimestamp();
        progress.Phase($"connecting {n} at {settings.ConnectRate}/s", () =>
            $"{fleet.Connected}/{n} connected, {fleet.Failed} failed, {fleet.Connected / Math.Max(0.001, Stopwatch.GetElapsedTime(started).TotalSeconds):F0}/s");
        var openTime = await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, observer: null, state: null, cancellationToken);
        var connected = fleet.Connected;
        var failed = fleet.Failed;

        // The connect burst's aftermath first, measured on its own: .NET recompiles (tier 1) the
        // methods the burst made hot during the next tens of seconds (85-90 % of the edges' CPU in a
        // 30 s window right after 3,000 connects, docs/benchmarks.md "Idle CPU"), a one-time cost of
        // having served the connects, not of holding them. Then the idle window proper.
        var aftermath = await EdgesQuietAsync("after the connects");
        progress.Phase($"idle for {settings.Settle.TotalSeconds:F0} s", () => $"{fleet.Clients.Count(c => c.Lost is null)} alive");
        var idleStart = await EdgeProbe.SampleAllAsync(probes, cancellationToken);
        await Task.Delay(settings.Settle, cancellationToken);
        var idleEnd = await EdgeProbe.SampleAllAsync(probes, cancellationToken);

        progress.Phase("after: forcing a GC in the edge");
        gcForced &= await EdgeProbe.ForceGcAllAsync(probes, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var after = await EdgeProbe.SampleAllAsync(probes, cancellationToken);
        var serverRssAfter = ServerCpu.ResidentBytes(system.ServerProcessIds());
        var alive = fleet.Clients.Count(c => c.Lost is null);
        var heldAlive = held.Clients.Count(c => c.Lost is null);

        progress.Phase("closing");
        await fleet.CloseAllAsync();
        await held.CloseAllAsync();

        var figures = new JsonObject
        {
            ["connectionsRequested"] = n,
            ["heldThroughBaseline"] = heldAlive,
            ["connected"] = connected,
            ["failed"] = failed,
            ["failures"] = ToJson(fleet.Failures),
            ["aliveAtMeasurement"] = alive,
            ["openSeconds"] = Math.Round(openTime.TotalSeconds, 3),
            ["connectsPerSecond"] = Math.Round(connected / openTime.TotalSeconds, 1),
            ["connectTime"] = fleet.ConnectTimes.ToJson(),
            ["gcForced"] = gcForced,
            ["measuredAfter"] = gcForced ? "an induced full blocking GC (EventPipe GCHeapCollect) and 1 s" : "no forced GC (edge not reachable over the diagnostics port); settle period only",
            ["before"] = EdgeProbe.Total(before).ToJson(),
            ["after"] = EdgeProbe.Total(after).ToJson(),
        };

        var b = EdgeProbe.Total(before);
        var a = EdgeProbe.Total(after);
        if (alive > 0)
        {
            if (a.RssBytes is { } rssAfter && b.RssBytes is { } rssBefore)
            {
                figures["rssBytesPerConnection"] = Math.Round((double)(rssAfter - rssBefore) / alive, 0);
            }

            if (serverRssBefore > 0)
            {
                // Every server process, brokers and services included: what the peers' figure counts too.
                figures["serverRssBytesPerConnection"] = Math.Round((double)(serverRssAfter - serverRssBefore) / alive, 0);
            }

            if (a.Heap is { } heapAfter && b.Heap is { } heapBefore)
            {
                figures["gcHeapBytesPerConnection"] = Math.Round((heapAfter.Value - heapBefore.Value) / alive, 0);
            }

            // RSS splits into the GC's committed memory and the rest (native: runtime, sockets' user-space
            // state, thread stacks, malloc); the heap size into live objects and the free space between them.
            if (a.CommittedBytes is { } committedAfter && b.CommittedBytes is { } committedBefore)
            {
                figures["gcCommittedBytesPerConnection"] = Math.Round((committedAfter - committedBefore) / alive, 0);
            }

            if (a.FragmentationBytes is { } freeAfter && b.FragmentationBytes is { } freeBefore)
            {
                figures["gcFragmentationBytesPerConnection"] = Math.Round((freeAfter - freeBefore) / alive, 0);
            }
        }

        figures["connectAftermathSeconds"] = Math.Round(aftermath.Elapsed.TotalSeconds, 1);
        if (aftermath.Cpu is { } aftermathCpu)
        {
            figures["connectAftermathCpuSeconds"] = Math.Round(aftermathCpu.TotalSeconds, 2);
        }

        var s = EdgeProbe.Total(idleStart);
        var e = EdgeProbe.Total(idleEnd);
        if (s.Cpu is { } cpuStart && e.Cpu is { } cpuEnd)
        {
            figures["idleCpuPercentOfCore"] = Math.Round((cpuEnd - cpuStart).TotalSeconds / settings.Settle.TotalSeconds * 100, 2);
        }

        return figures;
    }

    internal static JsonObject ToJson(IReadOnlyDictionary<string, int> counts)
    {
        var json = new JsonObject();
        foreach (var (reason, count) in counts)
        {
            json[reason] = count;
        }

        return json;
    }
}
