using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>fanout-local</c>: N connections on the edge(s), and a publisher posting <c>everyone</c>
/// deliveries straight to each edge's Dapr delivery route at a fixed rate R for T seconds (no
/// sidecar, no broker, no room service: the edge's own expansion and send path only). Every
/// client counts what it gets; the figures are delivered frames per second, latency from the
/// scheduled send time, lost and duplicated frames, and the server CPU per delivered frame, measured
/// after the same rate ran unmeasured for the warm-up duration.
/// </summary>
internal sealed class FanoutLocalScenario : IScenario
{
    private const int PublishesInFlight = 32;

    public string Name => "fanout-local";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var cloudEvent = settings.Envelope == "cloudevent";
        var publishers = system.Edges.Select(edge => new DeliveryPublisher(edge, http, cloudEvent)).ToList();
        var count = (int)Math.Round(settings.Rate * settings.Duration.TotalSeconds);
        var n = settings.Connections;
        var tally = new FanoutTally(count);
        var runId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var padding = settings.Padding == "words" ? Words(settings.PayloadBytes) : new string('x', settings.PayloadBytes);

        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        progress.Phase($"connecting {n}", () => $"{fleet.Connected}/{n} connected, {fleet.Failed} failed");
        await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, tally, _ => tally.NewState(), cancellationToken);
        fleet.ThrowIfNoneConnected();

        // Warm-up deliveries of another type: JIT and pools, not counted.
        progress.Phase("warm-up deliveries");
        for (var i = 0; i < 5; i++)
        {
            foreach (var publisher in publishers)
            {
                await publisher.PublishAsync(DeliveryPublisher.Everyone(publisher.EdgeId(), $"{runId}-warmup-{i}", "warmup", contentJson: null), cancellationToken);
            }
        }

        // A numbered bench frame to every connection of every edge, stamped with its scheduled time.
        Task PublishNumberedAsync(long number, string messageId, long scheduledAt, CancellationToken ct)
        {
            var content = DeliveryPublisher.Content(number, scheduledAt, padding);
            return Task.WhenAll(publishers.Select(p => p.PublishAsync(DeliveryPublisher.Everyone(p.EdgeId(), messageId, FanoutTally.FrameType, content), ct)));
        }

        // Then the measured load itself, numbered outside the run, for the warm-up duration: a handful
        // of deliveries leaves the hot path to be recompiled at tier 1 inside the measured window (at
        // 10,000/s a third of the edge's CPU there, docs/benchmarks.md), which is not what a delivery costs.
        if (settings.WarmupDuration > TimeSpan.Zero)
        {
            var warmups = (int)Math.Round(settings.Rate * settings.WarmupDuration.TotalSeconds);
            progress.Phase($"warm-up: {settings.Rate}/s for {settings.WarmupDuration.TotalSeconds:F0} s, not counted", () => $"received {tally.Frames}");
            await DeliveryWindow.WhileScrapingAsync(system, http, WarmUpAsync(), cancellationToken);

            async Task<bool> WarmUpAsync()
            {
                await PacedSends.RunAsync(
                    warmups,
                    settings.Rate,
                    PublishesInFlight,
                    (i, scheduledAt, ct) => PublishNumberedAsync(tally.WarmupNumber(i), $"{runId}-warmup-rate-{i}", scheduledAt, ct),
                    issued: null,
                    cancellationToken);
                return await tally.WarmUpAsync((long)warmups * fleet.Connected, settings.DrainTimeout, cancellationToken);
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        var connected = fleet.Clients.ToList();
        var window = await DeliveryWindow.OpenAsync(system, http, cancellationToken);
        var sent = 0;
        var bytesBefore = fleet.ReceivedBytes;
        progress.Phase($"publishing {settings.Rate}/s for {settings.Duration.TotalSeconds:F0} s to {connected.Count} connections", () =>
            $"sent {Volatile.Read(ref sent)}/{count}, received {tally.Frames}/{(long)count * connected.Count}, lost connections {connected.Count(c => c.Lost is not null)}");
        var (start, issuing) = await PacedSends.RunAsync(
            count,
            settings.Rate,
            PublishesInFlight,
            (i, scheduledAt, ct) => PublishNumberedAsync(i, $"{runId}-{i}", scheduledAt, ct),
            i => Volatile.Write(ref sent, i),
            cancellationToken);

        var expected = (long)count * connected.Count;
        await DeliveryWindow.DrainAsync(tally, expected, connected, settings.DrainTimeout, progress, cancellationToken);
        var wireBytes = fleet.ReceivedBytes - bytesBefore;
        var figures = await window.CloseAsync(tally, expected, connected, start, cancellationToken);
        // Exact: what the clients' sockets read while the deliveries ran (frames and their headers,
        // plus the odd 2-byte ping), compressed or not.
        figures["wireBytesReceived"] = wireBytes;
        figures["wireBytesPerDelivery"] = tally.Frames == 0 ? null : Math.Round((double)wireBytes / tally.Frames, 1);
        figures["connectionsRequested"] = n;
        figures["connected"] = connected.Count;
        figures["connectFailed"] = fleet.Failed;
        figures["connectFailures"] = ConnectScenario.ToJson(fleet.Failures);
        figures["messagesSent"] = count;
        figures["publishFailed"] = publishers.Sum(p => p.Failed);
        figures["publishLastFailure"] = publishers.Select(p => p.LastFailure).FirstOrDefault(f => f is not null);
        figures["sendSeconds"] = Math.Round(issuing.TotalSeconds, 3);
        figures["offeredDeliveriesPerSecond"] = Math.Round(settings.Rate * connected.Count, 1);

        progress.Phase("closing");
        await fleet.CloseAllAsync();
        return figures;
    }

    // Chat-like text: words drawn from a small vocabulary with a fixed seed, so runs compare.
    private static string Words(int length)
    {
        string[] words = ["the", "a", "meeting", "is", "moved", "to", "three", "o'clock", "please", "check", "your", "calendar", "and", "let", "me", "know",
            "if", "that", "works", "for", "you", "we", "can", "also", "talk", "tomorrow", "morning", "about", "release", "plan", "thanks", "ok"];
        var random = new Random(7);
        var text = new System.Text.StringBuilder(length + 16);
        while (text.Length < length)
        {
            text.Append(words[random.Next(words.Length)]).Append(' ');
        }

        return text.ToString(0, length);
    }
}
