using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>
/// <c>fanout-sweep</c> results: one row per per-sender rate, a column per mode, each cell the step's
/// delivered rate, latency, losses, server CPU per delivery and the generator's CPU; the step that fell behind marked,
/// and where each system first fell behind.
/// </summary>
internal static class SweepTable
{
    public static string Render(JsonObject settings, IReadOnlyDictionary<string, JsonObject> byMode)
    {
        var steps = byMode.ToDictionary(
            m => m.Key,
            m => (m.Value["steps"] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(s => FigureRows.Number(s, "senderRatePerSecond") ?? 0));
        var rates = steps.Values.SelectMany(s => s.Keys).Distinct().Order().ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{settings["rooms"]} rooms × {settings["membersPerRoom"]} members spread over the edges/instances, {settings["sendersPerRoom"]} sender(s) per room; one step per rate (msg/s per sender), each {settings["warmupSeconds"]} s of its load unmeasured then {settings["durationSeconds"]} s measured, lowest first, stopping after the first step with p99 over {FanoutSweepThresholds(byMode).P99} ms or under {FanoutSweepThresholds(byMode).Share * 100:0} % of the offered deliveries/s delivered (**behind**).");
        text.AppendLine();
        text.AppendLine("| msg/s per sender | " + string.Join(" | ", byMode.Keys) + " |");
        text.AppendLine("|---|" + string.Concat(byMode.Keys.Select(_ => "---|")));
        foreach (var rate in rates)
        {
            var cells = byMode.Keys.Select(mode => steps[mode].TryGetValue(rate, out var step) ? Cell(step) : "-");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {rate.ToString("0.##", CultureInfo.InvariantCulture)} | {string.Join(" | ", cells)} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| **first falls behind at** | {string.Join(" | ", byMode.Values.Select(FirstBehind))} |");
        text.AppendLine();
        return text.ToString();
    }

    /// <summary>"9,800 deliveries/s", or that no step fell behind up to the last rate tried.</summary>
    public static string FirstBehind(JsonObject figures) =>
        FigureRows.Number(figures, "firstFallingBehindDeliveriesPerSecond") is { } behind
            ? PerSecond(behind) + " deliveries/s"
            : FigureRows.Number(figures, "lastKeptUpDeliveriesPerSecond") is { } kept ? $"not up to {PerSecond(kept)}/s" : "-";

    private static string Cell(JsonObject step)
    {
        var latency = $"p50 / p99 {FigureRows.Number(step, "latency", "p50Ms")?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} / {FigureRows.Number(step, "latency", "p99Ms")?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} ms";
        var cell = $"{PerSecond(FigureRows.Number(step, "deliveredPerSecond") ?? 0)} of {PerSecond(FigureRows.Number(step, "offeredDeliveriesPerSecond") ?? 0)}/s, {latency}, lost {step["lost"]}, {ProcessCpuTable.Micros(FigureRows.Number(step, "serverCpuMicrosPerDelivery"))}{Generator(step)}";
        return step["fellBehind"]?.GetValue<bool>() == true ? cell + " **behind**" : cell;
    }

    // The generator's own CPU, when it is known: a step it could not drive at full speed says so.
    private static string Generator(JsonObject step) =>
        FigureRows.Number(step, "loadCpuPercentOfCore") is { } load ? $", generator {load.ToString("0", CultureInfo.InvariantCulture)} % of a core" : "";

    private static (double P99, double Share) FanoutSweepThresholds(IReadOnlyDictionary<string, JsonObject> byMode)
    {
        var first = byMode.Values.First();
        return (FigureRows.Number(first, "behindP99Ms") ?? Scenarios.FanoutSweepScenario.BehindP99Ms, FigureRows.Number(first, "behindDeliveredShare") ?? Scenarios.FanoutSweepScenario.BehindDeliveredShare);
    }

    private static string PerSecond(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
