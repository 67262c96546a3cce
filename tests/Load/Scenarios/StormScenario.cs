using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Clients;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>storm</c>: N clients connected, then every connection dropped at once without a close
/// handshake (a load balancer restart, a network blip) and all N reconnecting at the same moment,
/// unthrottled, each retrying with jittered exponential backoff (100 ms doubling, at most 5 s) as a
/// well-behaved client would. Figures: how many got in on the first try and in the end, how long
/// until all were back, reconnect time per client, failures by reason (e.g. admission 429s), and
/// the servers' memory peak and CPU during the storm.
/// </summary>
internal sealed class StormScenario : IScenario
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    public string Name => "storm";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        var n = settings.Connections;
        await using var fleet = new ClientFleet(system, settings.SourceAddresses);
        progress.Phase($"connecting {n} at {settings.ConnectRate}/s", () => $"{fleet.Connected}/{n} connected, {fleet.Failed} failed");
        await fleet.OpenAsync(first: 0, n, settings.ConnectRate, settings.ConnectConcurrency, observer: null, state: null, cancellationToken);
        fleet.ThrowIfNoneConnected();
        var before = fleet.Connected;
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var hasProcesses = system.ServerProcessIds().Count > 0;
        var rssBefore = ServerCpu.ResidentBytes(system.ServerProcessIds());

        await using var storm = new ClientFleet(system, settings.SourceAddresses);
        var reconnectTimes = new Latency();
        var firstTry = 0;
        var gaveUp = 0;
        using var peak = new PeakSampler(() => ServerCpu.ResidentBytes(system.ServerProcessIds()));
        var cpuBefore = ServerCpu.Total(system.ServerProcessIds()).Cpu;
        var indices = fleet.Clients.Select(c => c.Index).ToList();
        var dropped = Stopwatch.GetTimestamp();
        fleet.AbortAll();
        progress.Phase($"storm: {indices.Count} reconnecting at once", () => $"{storm.Connected}/{indices.Count} back, {storm.Failed} failed attempts");
        await Task.WhenAll(indices.Select(async index =>
        {
            await Task.Yield();
            var backoff = FirstBackoff;
            for (var attempt = 0; ; attempt++)
            {
                if (await storm.TryOpenAsync(index, observer: null, state: null, cancellationToken))
                {
                    reconnectTimes.RecordSince(dropped);
                    if (attempt == 0)
                    {
                        Interlocked.Increment(ref firstTry);
                    }

                    return;
                }

                if (Stopwatch.GetElapsedTime(dropped) > settings.StormDeadline)
                {
                    Interlocked.Increment(ref gaveUp);
                    return;
                }

                await Task.Delay(backoff * (0.5 + Random.Shared.NextDouble()), cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }));

        var allBack = Stopwatch.GetElapsedTime(dropped);
        var cpu = ServerCpu.Total(system.ServerProcessIds()).Cpu - cpuBefore;
        var figures = new JsonObject
        {
            ["connectedBefore"] = before,
            ["reconnected"] = storm.Connected,
            ["reconnectedFirstTry"] = firstTry,
            ["gaveUp"] = gaveUp,
            ["attempts"] = storm.Attempted,
            ["failedAttempts"] = storm.Failed,
            ["failures"] = ConnectScenario.ToJson(storm.Failures),
            ["successRate"] = Math.Round((double)storm.Connected / Math.Max(1, before), 4),
            ["secondsUntilAllBack"] = Math.Round(allBack.TotalSeconds, 3),
            ["reconnectTime"] = reconnectTimes.ToJson(),
            ["handshakeTime"] = storm.ConnectTimes.ToJson(),
            ["deadlineSeconds"] = settings.StormDeadline.TotalSeconds,
        };
        if (hasProcesses)
        {
            figures["serverRssBytesBefore"] = rssBefore;
            figures["serverRssBytesPeak"] = peak.Peak;
            figures["serverCpuSecondsDuringStorm"] = Math.Round(cpu.TotalSeconds, 3);
        }

        progress.Phase("closing");
        await storm.CloseAllAsync();
        return figures;
    }

    /// <summary>Samples a value every 100 ms on a background task and keeps the largest.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private long _peak;

        public PeakSampler(Func<long> sample)
        {
            _peak = sample();
            _ = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default))
                {
                    var value = sample();
                    if (value > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, value);
                    }
                }
            });
        }

        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose() => _stop.Cancel();
    }
}
