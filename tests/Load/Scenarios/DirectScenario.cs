using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>direct</c>: N/2 pairs of users, the two of a pair on different edges (client i goes to edge
/// i mod E), sending <c>direct</c> messages to each other at R messages per second in total for T
/// seconds, after the same load for the warm-up duration (unmeasured). Each message must reach its
/// one recipient once. Systems whose protocol has no direct
/// message (the peers) report it as not supported rather than a figure.
/// </summary>
internal sealed class DirectScenario : IScenario
{
    private const int SendsInFlight = 256;

    public string Name => "direct";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        if (!system.SupportsDirect)
        {
            return new JsonObject { ["notSupported"] = $"{system.Mode} has no user-to-user message in its protocol" };
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var pairs = Math.Max(1, settings.Connections / 2);
        var count = (int)Math.Round(settings.Rate * settings.Duration.TotalSeconds);
        var tally = new FanoutTally(count);

        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        progress.Phase($"connecting {pairs} pairs", () => $"{fleet.Connected}/{pairs * 2} connected, {fleet.Failed} failed");
        await fleet.OpenAsync(first: 0, pairs * 2, settings.ConnectRate, settings.ConnectConcurrency, tally, _ => tally.NewState(), cancellationToken);
        fleet.ThrowIfNoneConnected();
        var clients = fleet.ByIndex();

        var expected = 0L;
        var sendFailed = 0;

        // Pair k mod P sends message k; the direction alternates each round. The number it carries
        // is k in the run and outside it in the warm-up.
        async Task SendAsync(int k, long number, long scheduledAt, Action<int> expect, CancellationToken ct)
        {
            var pair = k % pairs;
            var (from, to) = (k / pairs) % 2 == 0 ? (2 * pair, (2 * pair) + 1) : ((2 * pair) + 1, 2 * pair);
            if (!clients.TryGetValue(from, out var sender) || sender.Lost is not null || !clients.ContainsKey(to))
            {
                Interlocked.Increment(ref sendFailed);
                return;
            }

            expect(1);
            try
            {
                await sender.SendDirectAsync(ClientFleet.UserId(to), BenchMarker.Create(number, scheduledAt), ct);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or InvalidOperationException)
            {
                Interlocked.Increment(ref sendFailed);
                expect(-1);
            }
        }

        // Warm-up: the same load, numbered outside the run, as the fan-out does. A handful of warm-up
        // messages left the connects' aftermath (their inbox fetches and presence writes), the last
        // scenario's disconnects and the tier-1 JIT of every hop inside the window: over Redis at
        // 500/s, 16 % of the window's server CPU was still compilation (docs/benchmarks.md).
        var warmupCount = Math.Max(pairs, (int)Math.Round(settings.Rate * settings.WarmupDuration.TotalSeconds));
        var warmedUp = await DeliveryWindow.WhileScrapingAsync(system, http, tally.WarmUpAsync(
            warmupCount, settings.Rate, SendsInFlight, (k, number, at, expect, ct) => SendAsync(k, number, at, n => expect(n), ct),
            progress, $"warm-up: {settings.WarmupDuration.TotalSeconds:F0} s at {settings.Rate}/s", RoomFanoutScenario.WarmupTimeout, cancellationToken, untilCompiled: new(system.ServerProcessIds(), settings.WarmupDuration)), cancellationToken);
        sendFailed = 0;

        var window = await DeliveryWindow.OpenAsync(system, http, cancellationToken);
        var sent = 0;
        progress.Phase($"{settings.Rate}/s direct messages for {settings.Duration.TotalSeconds:F0} s", () => $"sent {Volatile.Read(ref sent)}/{count}, received {tally.Frames}");
        var (start, _) = await PacedSends.RunAsync(
            count,
            settings.Rate,
            SendsInFlight,
            (k, scheduledAt, ct) => SendAsync(k, k, scheduledAt, n => Interlocked.Add(ref expected, n), ct),
            i => Volatile.Write(ref sent, i),
            cancellationToken);

        var all = clients.Values.ToList();
        await DeliveryWindow.DrainAsync(tally, expected, all, settings.DrainTimeout, progress, cancellationToken);
        var figures = await window.CloseAsync(tally, expected, all, start, cancellationToken);
        figures["warmupComplete"] = warmedUp;
        figures["warmupCompileRounds"] = tally.CompileRounds;
        figures["pairs"] = pairs;
        figures["pairsAcrossEdges"] = Enumerable.Range(0, pairs).Count(p => fleet.EdgeFor(2 * p).EdgeId != fleet.EdgeFor((2 * p) + 1).EdgeId);
        figures["connected"] = clients.Count;
        figures["connectFailed"] = fleet.Failed;
        figures["messagesSent"] = count - sendFailed;
        figures["sendFailed"] = sendFailed;
        figures["offeredDeliveriesPerSecond"] = settings.Rate;

        progress.Phase("closing");
        await fleet.CloseAllAsync();
        return figures;
    }
}
