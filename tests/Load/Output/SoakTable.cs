using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>
/// <c>soak</c> results, per mode: the verdict and its reasons, what was sent, owed and shown per
/// stream, the churn, and each server process's memory from the end of the warm-up to the end.
/// </summary>
internal static class SoakTable
{
    public static string Render(JsonObject settings, IReadOnlyDictionary<string, JsonObject> byMode)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{settings["durationSeconds"]} s of steady traffic, memory judged after a {settings["warmupSeconds"]} s warm-up: {settings["rooms"]} rooms × {settings["membersPerRoom"]} members (1 sender at {settings["senderRatePerSecond"]} msg/s, the rest receivers), {settings["pairs"]} direct pairs at {settings["ratePerSecond"]} msg/s in total, {settings["notifyRatePerSecond"]} acknowledged business events/s to one user each; one receiver leaves every {settings["churnIntervalSeconds"]} s for {settings["churnAwaySeconds"]} s and resumes with `since`, {Percent(settings["burstShare"])} of them drop at once every {settings["burstIntervalSeconds"]} s; RSS sampled every {settings["sampleIntervalSeconds"]} s{(settings["collectBeforeSample"]?.GetValue<bool>() == true ? ", each .NET process right after an induced full GC" : "")}, growth limit {settings["rssGrowthLimitPercent"]} %.");
        text.AppendLine();
        foreach (var (mode, f) in byMode)
        {
            if (f["notSupported"] is { } why)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{mode}: not measured ({why}).");
                continue;
            }

            var verdict = f["verdict"]!;
            var reasons = (verdict["reasons"] as JsonArray ?? []).Select(r => r!.GetValue<string>()).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"**{mode}: {(verdict["pass"]!.GetValue<bool>() ? "PASS" : "FAIL")}**{(reasons.Count > 0 ? " — " + string.Join("; ", reasons) : "")}");
            text.AppendLine();
            text.AppendLine("| stream | sent | accepted | deliveries owed | shown | lost | duplicates |");
            text.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var (label, key) in new[] { ("room messages", "room"), ("direct messages", "direct"), ("business events (ack)", "notices") })
            {
                var s = f[key]!;
                text.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {s["sent"]} | {s["accepted"]} | {s["expected"]} | {s["shown"]} | {s["lost"]} | {s["duplicates"]} |");
            }

            var resumes = f["resumes"]!;
            var churn = f["churn"]!;
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Churn: {churn["planned"]} planned reconnects, {churn["bursts"]} burst(s) of {churn["burstClients"]} clients in all, {Sum(churn["unplanned"])} unplanned; {resumes["resumes"]} resumes with `since` ({resumes["recovered"]} recovered, {resumes["unrecovered"]} not), {resumes["replayed"]} messages replayed; {f["noticeRepeats"]} business events shown again under their id (dropped by the client), {f["acksSent"]} acks, {f["dismissed"]} `dismissed`.");
            text.AppendLine();
            text.AppendLine("| process | RSS at warm-up end | RSS at end | growth | peak | GC heap start → end | GC committed start → end | anonymous RSS start → end | file-backed RSS start → end | threads start → end |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var p in (f["memory"]?["processes"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var judged = p["judged"]!.GetValue<bool>();
                var growth = p["problem"] is { } problem ? problem.GetValue<string>()
                    : FigureRows.Number(p, "growthPercent") is { } g ? g.ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " %" : "-";
                var heap = StartToEnd(p["gcHeapStart"], p["gcHeapEnd"], MarkdownReport.Bytes);
                var parts = p["parts"];
                var committed = StartToEnd(parts?["gcCommittedStart"], parts?["gcCommittedEnd"], MarkdownReport.Bytes);
                var anonymous = StartToEnd(parts?["anonymousStart"], parts?["anonymousEnd"], MarkdownReport.Bytes);
                var file = StartToEnd(parts?["fileStart"], parts?["fileEnd"], MarkdownReport.Bytes);
                var threads = StartToEnd(parts?["threadsStart"], parts?["threadsEnd"], n => n!.GetValue<double>().ToString("0", CultureInfo.InvariantCulture));
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {p["role"]}{(judged ? "" : " (not judged)")} | {MarkdownReport.Bytes(p["rssStart"])} | {MarkdownReport.Bytes(p["rssEnd"])} | {growth} | {MarkdownReport.Bytes(p["rssPeak"])} | {heap} | {committed} | {anonymous} | {file} | {threads} |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string StartToEnd(JsonNode? start, JsonNode? end, Func<JsonNode?, string> format) =>
        start is null || end is null ? "-" : $"{format(start)} → {format(end)}";

    private static long Sum(JsonNode? counts) => (counts as JsonObject)?.Sum(c => (long)c.Value!.GetValue<int>()) ?? 0;

    private static string Percent(JsonNode? share) => share is null ? "-" : (share.GetValue<double>() * 100).ToString("0", CultureInfo.InvariantCulture) + " %";
}
