using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>fanout-local</c>: N connections on the edge(s), and a publisher posting <c>everyone</c>
/// deliveries straight to each edge's Dapr delivery route at a fixed rate R for T seconds (no
/// sidecar, no broker, no room service: the edge's own expansion and send path only). Every
/// client counts what it gets; the figures are delivered frames per second, latency from the
/// scheduled send time (so a publisher that falls behind shows as latency, not as a lower rate),
/// lost and duplicated frames, and the edge's CPU per delivered frame.
/// </summary>
internal sealed class FanoutLocalScenario : IScenario
{
    private const int PublishesInFlight = 32;

    public string Name => "fanout-local";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var probes = system.Edges.Select(edge => new EdgeProbe(edge, http)).ToList();
        var cloudEvent = settings.Envelope == "cloudevent";
        var publishers = system.Edges.Select(edge => new DeliveryPublisher(edge, http, cloudEvent)).ToList();
        var count = (int)Math.Round(settings.Rate * settings.Duration.TotalSeconds);
        var n = settings.Connections;
        var tally = new FanoutTally(count);
        var runId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var padding = new string('x', settings.PayloadBytes);

        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        progress.Phase($"connecting {n}", () => $"{fleet.Connected}/{n} connected, {fleet.Failed} failed");
        await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, tally, _ => tally.NewState(), cancellationToken);
        if (fleet.Connected == 0)
        {
            throw new InvalidOperationException($"no client connected: {string.Join("; ", fleet.Failures.Select(f => $"{f.Value} x {f.Key}"))}");
        }

        // Warm-up deliveries of another type: JIT and pools, not counted.
        progress.Phase("warm-up deliveries");
        for (var i = 0; i < 5; i++)
        {
            foreach (var publisher in publishers)
            {
                await publisher.PublishAsync(DeliveryPublisher.Everyone(publisher.EdgeId(), $"{runId}-warmup-{i}", "warmup", $$"""{"type":"warmup","timestamp":0,"id":"{{runId}}-warmup-{{i}}"}"""), cancellationToken);
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        var connected = fleet.Clients.ToList();
        var cpuBefore = EdgeProbe.Total(await EdgeProbe.SampleAllAsync(probes, cancellationToken)).Cpu;

        var start = Stopwatch.GetTimestamp();
        var sent = 0;
        progress.Phase($"publishing {settings.Rate}/s for {settings.Duration.TotalSeconds:F0} s to {connected.Count} connections", () =>
            $"sent {Volatile.Read(ref sent)}/{count}, frames {tally.Frames}/{(long)count * connected.Count}, lost connections {connected.Count(c => c.Lost is not null)}");
        var inFlight = new SemaphoreSlim(PublishesInFlight);
        var publishes = new List<Task>(count * publishers.Count);
        for (var i = 0; i < count; i++)
        {
            var offset = TimeSpan.FromSeconds(i / settings.Rate);
            var wait = offset - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var frame = DeliveryPublisher.Frame(runId, i, DeliveryPublisher.StopwatchAt(start, offset), padding);
            foreach (var publisher in publishers)
            {
                await inFlight.WaitAsync(cancellationToken);
                var delivery = DeliveryPublisher.Everyone(publisher.EdgeId(), $"{runId}-{i}", FanoutTally.FrameType, frame);
                publishes.Add(PublishAndReleaseAsync(publisher, delivery, inFlight, cancellationToken));
            }

            Interlocked.Increment(ref sent);
        }

        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(publishes);

        var expected = (long)count * connected.Count;
        progress.Phase("draining", () => $"frames {tally.Frames}/{expected}");
        var drainStarted = Stopwatch.GetTimestamp();
        while (tally.Frames + tally.Duplicates < expected && Stopwatch.GetElapsedTime(drainStarted) < settings.DrainTimeout
            && connected.Any(c => c.Lost is null))
        {
            await Task.Delay(50, cancellationToken);
        }

        var cpuAfter = EdgeProbe.Total(await EdgeProbe.SampleAllAsync(probes, cancellationToken)).Cpu;
        var received = connected.Sum(c => (long)((FanoutTally.Received)c.State!).Count);
        var lost = expected - received;
        var lastFrame = tally.LastFrame;
        var deliverySeconds = lastFrame > start ? Stopwatch.GetElapsedTime(start, lastFrame).TotalSeconds : sendSeconds;
        var figures = new JsonObject
        {
            ["connectionsRequested"] = n,
            ["connected"] = connected.Count,
            ["connectFailed"] = fleet.Failed,
            ["connectFailures"] = ConnectScenario.ToJson(fleet.Failures),
            ["disconnectedDuringRun"] = connected.Count(c => c.Lost is not null),
            ["messagesSent"] = count,
            ["publishFailed"] = publishers.Sum(p => p.Failed),
            ["publishLastFailure"] = publishers.Select(p => p.LastFailure).FirstOrDefault(f => f is not null),
            ["sendSeconds"] = Math.Round(sendSeconds, 3),
            ["expectedDeliveries"] = expected,
            ["delivered"] = received,
            ["lost"] = lost,
            ["duplicated"] = tally.Duplicates,
            ["unexpected"] = tally.Unexpected,
            ["offeredDeliveriesPerSecond"] = Math.Round(settings.Rate * connected.Count, 1),
            ["deliveredPerSecond"] = Math.Round(tally.Frames / deliverySeconds, 1),
            ["latency"] = tally.Latency.ToJson(),
        };
        if (cpuBefore is { } c0 && cpuAfter is { } c1 && received > 0)
        {
            var cpu = c1 - c0;
            figures["edgeCpuSeconds"] = Math.Round(cpu.TotalSeconds, 3);
            figures["edgeCpuMicrosPerDelivery"] = Math.Round(cpu.TotalMicroseconds / received, 3);
            figures["edgeCpuPercentOfCore"] = Math.Round(cpu.TotalSeconds / Stopwatch.GetElapsedTime(start).TotalSeconds * 100, 1);
        }

        progress.Phase("closing");
        await fleet.CloseAllAsync();
        return figures;
    }

    private static async Task PublishAndReleaseAsync(DeliveryPublisher publisher, Contracts.Edge.V1.EdgeDelivery delivery, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishAsync(delivery, cancellationToken);
        }
        finally
        {
            inFlight.Release();
        }
    }
}
