using System.Text.Json.Nodes;
using Suite.Load.Output;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>fanout-sweep</c>: the <c>fanout</c> shape (R rooms × M members, S senders per room), connected
/// and joined once, then one measured step per sender rate, lowest first, each after a warm-up at
/// its own rate. It stops after the first step that falls behind: p99 over 50 ms, or fewer than
/// 95 % of the offered deliveries per second delivered. Figures: each step's offered and delivered
/// deliveries/s, latency, lost, server CPU per delivery (per process too), and the offered rate of
/// the first step that fell behind (null when none did).
/// </summary>
internal sealed class FanoutSweepScenario : IScenario
{
    public const double BehindP99Ms = 50;
    public const double BehindDeliveredShare = 0.95;

    // A step whose warm-up has not arrived by then is behind anyway; waiting longer only stretches the sweep.
    private static readonly TimeSpan StepWarmupTimeout = TimeSpan.FromSeconds(10);

    public string Name => "fanout-sweep";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        var rates = settings.SweepRates.Distinct().Order().ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var capacity = rates.Sum(rate => RoomFanout.MessageCount(settings, rate, settings.Duration));
        await using var fanout = await RoomFanout.JoinAsync(system, settings, capacity, progress, cancellationToken);

        var steps = new JsonArray();
        double? firstBehind = null;
        double? lastKeptUp = null;
        foreach (var rate in rates)
        {
            var step = await fanout.RunStepAsync(rate, settings.WarmupDuration, settings.Duration, StepWarmupTimeout, settings.DrainTimeout, http, cancellationToken);
            var behind = FellBehind(step);
            step["fellBehind"] = behind;
            steps.Add(step);
            var offered = FigureRows.Number(step, "offeredDeliveriesPerSecond");
            if (behind)
            {
                firstBehind = offered;
                break;
            }

            lastKeptUp = offered;
        }

        var figures = new JsonObject
        {
            ["steps"] = steps,
            ["behindP99Ms"] = BehindP99Ms,
            ["behindDeliveredShare"] = BehindDeliveredShare,
            ["firstFallingBehindDeliveriesPerSecond"] = firstBehind,
            ["lastKeptUpDeliveriesPerSecond"] = lastKeptUp,
        };
        foreach (var (key, value) in fanout.Setup)
        {
            figures[key] = value?.DeepClone();
        }

        return figures;
    }

    /// <summary>p99 over <see cref="BehindP99Ms"/>, or delivered/s under <see cref="BehindDeliveredShare"/> of offered.</summary>
    public static bool FellBehind(JsonObject step) =>
        FigureRows.Number(step, "latency", "p99Ms") is not { } p99 || p99 > BehindP99Ms
        || (FigureRows.Number(step, "deliveredPerSecond") ?? 0) < BehindDeliveredShare * (FigureRows.Number(step, "offeredDeliveriesPerSecond") ?? 0);
}
