using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Suite.Load.Output;

/// <summary>
/// A delivery scenario's server CPU split by process: one row per role (room, room sidecar, edge-0,
/// redis-server, a peer's instances…), a column per mode, µs per delivered message (and per room
/// message where the scenario sends room messages).
/// </summary>
internal static class ProcessCpuTable
{
    public static string Render(string scenario, IReadOnlyDictionary<string, JsonObject> byMode)
    {
        var perMode = byMode
            .Where(m => m.Value["serverCpuByProcess"] is JsonObject)
            .ToDictionary(m => m.Key, m => (JsonObject)m.Value["serverCpuByProcess"]!);
        if (perMode.Count == 0)
        {
            return "";
        }

        var roles = perMode.Values
            .SelectMany(p => p.Select(r => (Role: r.Key, Cpu: FigureRows.Number((JsonObject)r.Value!, "cpuSeconds") ?? 0)))
            .GroupBy(r => r.Role, StringComparer.Ordinal)
            .OrderByDescending(g => g.Max(r => r.Cpu))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .ToList();
        var perRoomMessage = perMode.Values.Any(p => p.Any(r => r.Value?["microsPerRoomMessage"] is not null));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"#### {scenario}: server CPU per process");
        text.AppendLine();
        text.AppendLine(perRoomMessage
            ? "CPU of each server process over the measured window, per delivered message (per room message)."
            : "CPU of each server process over the measured window, per delivered message.");
        text.AppendLine();
        text.AppendLine("| process | " + string.Join(" | ", perMode.Keys) + " |");
        text.AppendLine("|---|" + string.Concat(perMode.Keys.Select(_ => "---|")));
        foreach (var role in roles)
        {
            var cells = perMode.Values.Select(p => p[role] is JsonObject entry ? Cell(entry) : "-");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {role} | {string.Join(" | ", cells)} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| all server processes | {string.Join(" | ", perMode.Keys.Select(m => Micros(FigureRows.Number(byMode[m], "serverCpuMicrosPerDelivery"))))} |");
        if (perMode.Keys.Any(m => byMode[m]["roomAndSidecarCpuMicrosPerRoomMessage"] is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| room service + its sidecar, per room message | {string.Join(" | ", perMode.Keys.Select(m => Micros(FigureRows.Number(byMode[m], "roomAndSidecarCpuMicrosPerRoomMessage"))))} |");
        }

        text.AppendLine();
        return text.ToString();
    }

    private static string Cell(JsonObject entry)
    {
        var cell = Micros(FigureRows.Number(entry, "microsPerDelivery"));
        return FigureRows.Number(entry, "microsPerRoomMessage") is { } perMessage ? $"{cell} ({Micros(perMessage)})" : cell;
    }

    internal static string Micros(double? value) => value is { } v ? v.ToString(Math.Abs(v) < 100 ? "0.0" : "0", CultureInfo.InvariantCulture) + " µs" : "-";
}
