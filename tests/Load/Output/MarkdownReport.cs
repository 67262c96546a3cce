using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>Turns result documents into the Markdown tables docs/benchmarks.md shows.</summary>
internal static class MarkdownReport
{
    public static string Render(IReadOnlyList<JsonObject> results)
    {
        var text = new StringBuilder();
        if (results.Count > 0 && results[0]["machine"] is JsonObject machine)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine["cores"]} cores ({machine["cpu"]}), {Bytes(machine["memoryBytes"])} memory, {machine["os"]}, {machine["dotnet"]}.");
            text.AppendLine();
        }

        foreach (var result in results)
        {
            var figures = (JsonObject)result["figures"]!;
            var settings = (JsonObject)result["settings"]!;
            var target = (JsonObject)result["target"]!;
            text.AppendLine(CultureInfo.InvariantCulture, $"**{result["scenario"]}** (mode {target["mode"]}, GC {target["gc"]}, {result["startedAt"]})");
            text.AppendLine();
            text.AppendLine("| figure | value |");
            text.AppendLine("|---|---|");
            foreach (var (name, value) in Rows(result["scenario"]!.GetValue<string>(), figures, settings))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static IEnumerable<(string, string)> Rows(string scenario, JsonObject f, JsonObject s)
    {
        if (scenario == "connect")
        {
            yield return ("connections (connected / failed)", $"{f["connected"]} / {f["failed"]} (asked {s["connections"]} at {s["connectRate"]}/s)");
            yield return ("RSS per idle authenticated connection", Bytes(f["rssBytesPerConnection"]));
            yield return ("GC heap per idle authenticated connection", Bytes(f["gcHeapBytesPerConnection"]));
            yield return ("edge RSS before / after", $"{Bytes(f["before"]?["rssBytes"])} / {Bytes(f["after"]?["rssBytes"])}");
            yield return ("edge GC heap before / after", $"{Bytes(f["before"]?["gcHeapBytes"])} / {Bytes(f["after"]?["gcHeapBytes"])}");
            yield return ("measured after", f["measuredAfter"]?.ToString() ?? "");
            yield return ("connect time p50 / p99 / max", Latency(f["connectTime"], "p50Ms", "p99Ms", "maxMs"));
            yield return ("connects/s achieved", f["connectsPerSecond"]?.ToString() ?? "");
            yield return ("edge CPU holding them idle", $"{f["idleCpuPercentOfCore"]} % of a core");
        }
        else
        {
            yield return ("connections", $"{f["connected"]} (failed {f["connectFailed"]})");
            yield return ("offered", $"{s["ratePerSecond"]} msg/s x {s["durationSeconds"]} s, everyone → {f["offeredDeliveriesPerSecond"]} deliveries/s");
            yield return ("delivered msgs/s (all clients)", f["deliveredPerSecond"]?.ToString() ?? "");
            yield return ("delivered / expected", $"{f["delivered"]} / {f["expectedDeliveries"]}");
            yield return ("lost / duplicated", $"{f["lost"]} / {f["duplicated"]}");
            yield return ("latency p50 / p90 / p99 / p99.9 / max", Latency(f["latency"], "p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs"));
            yield return ("edge CPU per delivery", $"{f["edgeCpuMicrosPerDelivery"]} µs ({f["edgeCpuPercentOfCore"]} % of a core)");
            yield return ("publish failures", f["publishFailed"]?.ToString() ?? "");
        }
    }

    private static string Latency(JsonNode? node, params string[] names) =>
        node is null ? "" : string.Join(" / ", names.Select(n => node[n]?.ToString() ?? "-")) + " ms";

    private static string Bytes(JsonNode? node)
    {
        if (node is null)
        {
            return "-";
        }

        var value = node.GetValue<double>();
        return Math.Abs(value) switch
        {
            >= 1 << 30 => (value / (1 << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
            >= 1 << 20 => (value / (1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
            >= 10_000 => (value / 1024).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
            _ => value.ToString("F0", CultureInfo.InvariantCulture) + " B",
        };
    }
}
