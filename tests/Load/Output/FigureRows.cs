using System.Globalization;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>One row of a report table: how to read the figure from a result and how to show it.</summary>
/// <param name="Ratio">Show the suite's value as a ratio of each peer's.</param>
/// <param name="Text">A row that is text, not a number (no ratio).</param>
internal sealed record FigureRow(string Label, Func<JsonObject, double?> Value, Func<double, string> Format, bool Ratio = true, Func<JsonObject, string>? Text = null);

/// <summary>The rows each scenario's table shows.</summary>
internal static class FigureRows
{
    public static IEnumerable<FigureRow> For(string scenario) => scenario switch
    {
        "connect" =>
        [
            new("RSS per idle authenticated connection (edges / instances)", f => Number(f, "rssBytesPerConnection"), MarkdownReport.Bytes),
            new("RSS per connection, all server processes", f => Number(f, "serverRssBytesPerConnection"), MarkdownReport.Bytes),
            new("GC heap per connection (.NET servers)", f => Number(f, "gcHeapBytesPerConnection"), MarkdownReport.Bytes),
            new("connected / failed", _ => null, _ => "", Text: f => $"{f["connected"]} / {f["failed"]}"),
            new("connect time p99", f => Number(f, "connectTime", "p99Ms"), Ms),
            new("after the connects: edges busy until quiet (one-time: tier-1 JIT, GC)", f => Number(f, "connectAftermathSeconds"), v => v.ToString("0.0", CultureInfo.InvariantCulture) + " s",
                Text: f => Number(f, "connectAftermathSeconds") is { } t ? $"{t.ToString("0.0", CultureInfo.InvariantCulture)} s, {Number(f, "connectAftermathCpuSeconds")?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} s of CPU" : "-"),
            new("CPU holding them idle once quiet (% of a core)", f => Number(f, "idleCpuPercentOfCore"), v => v.ToString("0.0", CultureInfo.InvariantCulture) + " %"),
        ],
        "storm" =>
        [
            new("reconnected / before", _ => null, _ => "", Text: f => $"{f["reconnected"]} / {f["connectedBefore"]}"),
            new("first try succeeded", _ => null, _ => "", Text: f => $"{f["reconnectedFirstTry"]}"),
            new("seconds until all back", f => Number(f, "secondsUntilAllBack"), v => v.ToString("0.00", CultureInfo.InvariantCulture) + " s"),
            new("reconnect time p50 / p99", f => Number(f, "reconnectTime", "p99Ms"), Ms, Text: f => Pair(Number(f, "reconnectTime", "p50Ms"), Number(f, "reconnectTime", "p99Ms"))),
            new("failed attempts", f => Number(f, "failedAttempts"), v => v.ToString("0", CultureInfo.InvariantCulture), Ratio: false),
            new("server RSS before → peak", _ => null, _ => "", Text: f => $"{MarkdownReport.Bytes(f["serverRssBytesBefore"])} → {MarkdownReport.Bytes(f["serverRssBytesPeak"])}"),
            new("server CPU during the storm", f => Number(f, "serverCpuSecondsDuringStorm"), v => v.ToString("0.00", CultureInfo.InvariantCulture) + " s"),
        ],
        "send-floor" =>
        [
            new("CPU per send() of one frame", f => Number(f, "cpuMicrosPerSend"), v => v.ToString("0.00", CultureInfo.InvariantCulture) + " µs", Ratio: false),
        ],
        _ => Deliveries(scenario),
    };

    private static IEnumerable<FigureRow> Deliveries(string scenario)
    {
        yield return new("delivered / expected", _ => null, _ => "", Text: f => f["notSupported"] is null ? $"{f["delivered"]} / {f["expectedDeliveries"]}" : "n/a");
        yield return new("lost / duplicated", _ => null, _ => "", Text: f => f["notSupported"] is null ? $"{f["lost"]} / {f["duplicated"]}" : "n/a");
        yield return new("delivered msgs/s", f => Number(f, "deliveredPerSecond"), v => v.ToString("N0", CultureInfo.InvariantCulture));
        yield return new("latency p50", f => Number(f, "latency", "p50Ms"), Ms);
        yield return new("latency p99", f => Number(f, "latency", "p99Ms"), Ms);
        yield return new("latency p99.9 / max", _ => null, _ => "", Text: f => Pair(Number(f, "latency", "p999Ms"), Number(f, "latency", "maxMs")));
        yield return new("server CPU per delivered message (all server processes)", f => Number(f, "serverCpuMicrosPerDelivery"), v => v.ToString("0.0", CultureInfo.InvariantCulture) + " µs");
        yield return new("of it, tier-1 recompilation still running (% of the server CPU)", f => Share(f, "serverCompilationCpuSeconds", "serverCpuSeconds"), v => v.ToString("0", CultureInfo.InvariantCulture) + " %", Ratio: false);
        yield return new("server CPU (% of a core)", f => Number(f, "serverCpuPercentOfCore"), v => v.ToString("0", CultureInfo.InvariantCulture) + " %", Ratio: false);
        yield return new("load generator CPU (% of a core)", f => Number(f, "loadCpuPercentOfCore"), v => v.ToString("0", CultureInfo.InvariantCulture) + " %", Ratio: false);
        if (scenario == "fanout")
        {
            yield return new("connected / joined (joins per second, 64 in flight)", _ => null, _ => "", Text: f => f["joined"] is null ? "-" : $"{f["connected"]} / {f["joined"]} ({f["joinsPerSecond"]}/s)");
            yield return new("Dapr publishes per room message / edges hosting members", _ => null, _ => "", Text: f => f["daprPublishesPerRoomMessage"] is null ? "-" : $"{f["daprPublishesPerRoomMessage"]} / {f["edgesHostingEachRoom"]}");
        }
    }

    private static double? Share(JsonObject f, string part, string whole) =>
        Number(f, part) is { } p && Number(f, whole) is { } w && w > 0 ? p / w * 100 : null;

    private static string Pair(double? a, double? b) => a is null || b is null ? "-" : $"{Ms(a.Value)[..^3]} / {Ms(b.Value)}";

    private static string Ms(double value) => value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";

    /// <summary>The number at <paramref name="path"/> in a result's figures, or null.</summary>
    public static double? Number(JsonObject figures, params string[] path)
    {
        JsonNode? node = figures;
        foreach (var name in path)
        {
            node = node?[name];
        }

        return node is JsonValue value && value.TryGetValue(out double number) ? number : null;
    }
}
