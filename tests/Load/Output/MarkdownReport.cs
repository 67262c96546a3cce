using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>
/// Turns result documents into Markdown: one table per scenario with a column per system (the
/// suite's modes first, then the peers), and beside each suite figure its ratio to each peer's.
/// </summary>
internal static class MarkdownReport
{
    private static readonly string[] Peers = ["seed-ws", "signalr"];
    private static readonly string[] ModeOrder = ["edge", "embedded", "redis", "nats", "urls", "seed-ws", "signalr"];

    public static string Render(IReadOnlyList<JsonObject> results)
    {
        var text = new StringBuilder();
        if (results.Count > 0 && results[0]["machine"] is JsonObject machine)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine["cores"]} cores ({machine["cpu"]}), {Bytes(machine["memoryBytes"])} memory, {machine["os"]}, {machine["dotnet"]}; load average at the start {machine["loadAverage"] ?? "-"}.");
            text.AppendLine();
        }

        // The runner's order (fanout before fanout-sweep), whatever order the result files were named in.
        var order = Scenarios.ScenarioRunner.Scenarios.Keys.ToList();
        foreach (var scenario in results.GroupBy(r => r["scenario"]!.GetValue<string>()).OrderBy(g => order.IndexOf(g.Key) is var i and >= 0 ? i : order.Count))
        {
            var byMode = scenario
                .GroupBy(Column)
                .OrderBy(g => Array.IndexOf(ModeOrder, Mode(g.First())) is var i and >= 0 ? i : ModeOrder.Length)
                .ThenBy(g => FigureRows.Number((JsonObject)g.First()["figures"]!, "offeredDeliveriesPerSecond") ?? 0)
                .ToDictionary(g => g.Key, g => (JsonObject)g.Last()["figures"]!);
            var first = scenario.First();
            text.AppendLine(CultureInfo.InvariantCulture, $"### {scenario.Key}");
            text.AppendLine();
            if (scenario.Key == "fanout-sweep")
            {
                text.Append(SweepTable.Render((JsonObject)first["settings"]!, byMode));
                continue;
            }

            if (scenario.Key == "soak")
            {
                text.Append(SoakTable.Render((JsonObject)first["settings"]!, byMode));
                continue;
            }

            text.AppendLine(Settings(scenario.Key, (JsonObject)first["settings"]!));
            text.AppendLine();
            text.AppendLine("| figure | " + string.Join(" | ", byMode.Keys) + " |");
            text.AppendLine("|---|" + string.Concat(byMode.Keys.Select(_ => "---|")));
            foreach (var row in FigureRows.For(scenario.Key))
            {
                var cells = byMode.Select(m => Cell(row, m.Key, m.Value, byMode));
                text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Label} | {string.Join(" | ", cells)} |");
            }

            foreach (var (mode, figures) in byMode)
            {
                if (figures["notSupported"] is { } why)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"\n{mode}: not measured ({why}).");
                }
            }

            text.AppendLine();
            text.Append(ProcessCpuTable.Render(scenario.Key, byMode));
        }

        text.Append(TargetsTable.Render(results));
        return text.ToString();
    }

    private static string Mode(JsonObject result) => result["target"]?["mode"]?.GetValue<string>() ?? "?";

    // The edge alone runs fanout-local once per rate (issue 10 holds it to the floor at 10,000 and at
    // 50,000 deliveries/s): a column each.
    private static string Column(JsonObject result) =>
        result["scenario"]?.GetValue<string>() == "fanout-local" && result["figures"] is JsonObject f && FigureRows.Number(f, "offeredDeliveriesPerSecond") is { } rate
            ? $"{Mode(result)} at {rate.ToString("N0", CultureInfo.InvariantCulture)}/s"
            : Mode(result);

    /// <summary>The value, and for a suite mode its ratio to each peer that has the figure ("0.31× seed-ws").</summary>
    private static string Cell(FigureRow row, string mode, JsonObject figures, IReadOnlyDictionary<string, JsonObject> byMode)
    {
        if (row.Text is { } text)
        {
            return text(figures);
        }

        if (row.Value(figures) is not { } value)
        {
            return "-";
        }

        var cell = row.Format(value);
        if (row.Ratio && !Peers.Contains(mode))
        {
            var ratios = Peers
                .Where(byMode.ContainsKey)
                .Select(peer => row.Value(byMode[peer]) is { } p && p != 0 ? $"{(value / p).ToString("0.00", CultureInfo.InvariantCulture)}× {peer}" : null)
                .Where(r => r is not null)
                .ToList();
            if (ratios.Count > 0)
            {
                cell += $" ({string.Join(", ", ratios)})";
            }
        }

        return cell;
    }

    private static string Settings(string scenario, JsonObject s) => scenario switch
    {
        "connect" => $"{s["connections"]} idle authenticated connections opened at up to {s["connectRate"]}/s{HeldBefore(s)}; memory read after an induced full GC; idle CPU over {s["settleSeconds"]} s once the edges went quiet after the connects (the time until then and its CPU shown apart).",
        "fanout" => $"{s["rooms"]} rooms × {s["membersPerRoom"]} members spread over the edges/instances, {s["sendersPerRoom"]} sender(s) per room at {s["senderRatePerSecond"]} msg/s each for {s["durationSeconds"]} s, measured after {s["warmupSeconds"]} s of the same load unmeasured.",
        "direct" => $"{s["connections"]} clients in pairs on different edges, {s["ratePerSecond"]} direct messages/s in total for {s["durationSeconds"]} s.",
        "notify" => $"{s["connections"]} clients in {s["rooms"]} rooms; {s["ratePerSecond"]} business events/s through Dapr for {s["durationSeconds"]} s, targets cycling two users / a room / everyone.",
        "send-floor" => $"`../shared/tools/send-floor`: one send() of a {s["frameBytes"]}-byte frame to each of {s["connections"]} loopback connections per round, {s["rounds"]} rounds, sender on the servers' CPU, reader on the load's; the least one delivery costs on this machine.",
        "fanout-local" => $"The edge alone: {s["connections"]} connections, {s["ratePerSecond"]} `everyone` deliveries/s posted to the edge for {s["durationSeconds"]} s, measured after {s["warmupSeconds"]} s of the same load unmeasured.",
        "storm" => $"{s["connections"]} clients dropped at once and reconnecting at once, retrying with jittered backoff for up to {s["stormDeadlineSeconds"]} s.",
        _ => $"{s["connections"]} connections, {s["ratePerSecond"]}/s for {s["durationSeconds"]} s.",
    };

    // With connections held through the baseline, memory per connection is the slope between two
    // loads, not (after - before) / N from an empty server, whose pools and heap also grow once.
    private static string HeldBefore(JsonObject s) =>
        s["held"]?.GetValue<int>() is > 0 and var held
            ? $" on top of {held} held open since before the baseline (memory per connection is the slope from {held} to {held} + {s["connections"]})"
            : "";

    internal static string Bytes(JsonNode? node) => node is null ? "-" : Bytes(node.GetValue<double>());

    internal static string Bytes(double value) => Math.Abs(value) switch
    {
        >= 1 << 30 => (value / (1 << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB",
        >= 1 << 20 => (value / (1 << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1024 => (value / 1024).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        _ => value.ToString("F0", CultureInfo.InvariantCulture) + " B",
    };
}
