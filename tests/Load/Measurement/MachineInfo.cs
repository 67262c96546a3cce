using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Suite.Load.Measurement;

/// <summary>The machine a figure was measured on.</summary>
internal static class MachineInfo
{
    public static JsonObject Describe() => new()
    {
        ["cores"] = Environment.ProcessorCount,
        ["memoryBytes"] = MemoryBytes(),
        ["cpu"] = CpuModel(),
        ["os"] = RuntimeInformation.OSDescription,
        ["arch"] = RuntimeInformation.OSArchitecture.ToString(),
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["host"] = Environment.MachineName,
    };

    private static long? MemoryBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line["MemTotal:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        }
    }

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
