using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>
/// Issue 5's targets against the figures of one run: each suite mode's figure, the goal it is held
/// to (derived from the peers' figures of the same run where the goal is relative), met or missed.
/// </summary>
internal static class TargetsTable
{
    public static string Render(IReadOnlyList<JsonObject> results)
    {
        var rows = new List<string>();
        var connect = Figures(results, "connect");
        var fanout = Figures(results, "fanout");
        var wsRss = Value(connect, "seed-ws", "rssBytesPerConnection");
        foreach (var (mode, f) in Suite(connect))
        {
            if (Get(f, "rssBytesPerConnection") is { } rss)
            {
                var goal = Math.Min(4000, wsRss ?? double.MaxValue);
                rows.Add(Row($"RSS per idle connection ({mode})", MarkdownReport.Bytes(rss), $"≤ 4 KB and < seed-ws ({(wsRss is { } w ? MarkdownReport.Bytes(w) : "not run")})", rss <= goal));
            }
        }

        var wsCpu = Value(fanout, "seed-ws", "serverCpuMicrosPerDelivery");
        var wsP99 = Value(fanout, "seed-ws", "latency", "p99Ms");
        var srP99 = Value(fanout, "signalr", "latency", "p99Ms");
        foreach (var (mode, f) in Suite(fanout))
        {
            if (Get(f, "serverCpuMicrosPerDelivery") is { } cpu && wsCpu is { } ws)
            {
                rows.Add(Row($"server CPU per delivered message, room fan-out ({mode})", $"{cpu:0.0} µs", $"≤ seed-ws / 3 = {ws / 3:0.0} µs", cpu <= ws / 3));
            }

            if (Get(f, "latency", "p99Ms") is { } p99)
            {
                var absolute = mode switch { "embedded" => 2.0, "redis" => 3.0, _ => double.MaxValue };
                var peers = Math.Min(wsP99 ?? double.MaxValue, srP99 ?? double.MaxValue);
                var goal = absolute < double.MaxValue ? $"≤ {absolute} ms and " : "";
                rows.Add(Row($"p99 latency, room fan-out ({mode})", $"{p99:0.00} ms", $"{goal}< both peers ({wsP99?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} / {srP99?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-"} ms)", p99 <= absolute && p99 < peers));
            }

            if (Get(f, "daprPublishesPerRoomMessage") is { } publishes && Get(f, "edgesHostingEachRoom") is { } edges)
            {
                rows.Add(Row($"Dapr publishes per room message ({mode})", publishes.ToString("0.###", CultureInfo.InvariantCulture), $"= edges hosting members ({edges:0.##})", Math.Abs(publishes - edges) < 0.01));
            }
        }

        if (rows.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder("### Targets (issue 5)\n\n| target | measured | goal | |\n|---|---|---|---|\n");
        rows.ForEach(r => text.AppendLine(r));
        return text.ToString();
    }

    private static string Row(string name, string measured, string goal, bool met) => $"| {name} | {measured} | {goal} | {(met ? "met" : "**missed**")} |";

    private static Dictionary<string, JsonObject> Figures(IReadOnlyList<JsonObject> results, string scenario) => results
        .Where(r => r["scenario"]?.GetValue<string>() == scenario)
        .GroupBy(r => r["target"]?["mode"]?.GetValue<string>() ?? "?")
        .ToDictionary(g => g.Key, g => (JsonObject)g.Last()["figures"]!);

    private static IEnumerable<(string Mode, JsonObject Figures)> Suite(Dictionary<string, JsonObject> byMode) =>
        byMode.Where(m => m.Key is not ("seed-ws" or "signalr")).Select(m => (m.Key, m.Value));

    private static double? Value(Dictionary<string, JsonObject> byMode, string mode, params string[] path) =>
        byMode.TryGetValue(mode, out var f) ? Get(f, path) : null;

    private static double? Get(JsonObject figures, params string[] path) => FigureRows.Number(figures, path);
}
