using System.Text.Json.Nodes;

namespace Suite.Embedded.Tests;

/// <summary>
/// The runtime settings every suite process ships with (its runtimeconfig.json, copied beside these
/// tests), which keep its memory flat through reconnect bursts (docs/benchmarks.md, "Soak").
/// </summary>
public sealed class RuntimeSettingsTests
{
    public static TheoryData<string> Processes => new("Suite.Edge", "Suite.Room", "Suite.Presence", "Suite.Notification", "Suite.DaprEmulator", "Suite.Embedded");

    [Theory]
    [MemberData(nameof(Processes))]
    public void Thread_pool_does_not_hill_climb(string process)
    {
        // A climbing goal made new worker threads at each burst, and each new high of threads a new
        // glibc arena that kept its memory after they retired.
        Assert.True(
            Property(process, "System.Threading.ThreadPool.HillClimbing.Disable") is JsonValue value && value.GetValue<bool>(),
            $"{process}.runtimeconfig.json should set System.Threading.ThreadPool.HillClimbing.Disable to true");
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Garbage_collector_is_workstation_and_concurrent(string process)
    {
        Assert.True(
            Property(process, "System.GC.Server") is JsonValue server && !server.GetValue<bool>(),
            $"{process}.runtimeconfig.json should set System.GC.Server to false");
        Assert.True(
            Property(process, "System.GC.Concurrent") is JsonValue concurrent && concurrent.GetValue<bool>(),
            $"{process}.runtimeconfig.json should set System.GC.Concurrent to true");
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Gen0_budget_is_at_most_4_MiB(string process)
    {
        // The default follows the CPU's cache (~16 MiB here), and what the budget committed stays committed.
        Assert.True(
            Property(process, "System.GC.Gen0MaxBudget") is JsonValue budget && budget.GetValue<long>() == 4L * 1024 * 1024,
            $"{process}.runtimeconfig.json should set System.GC.Gen0MaxBudget to 4194304");
    }

    [Theory]
    [MemberData(nameof(Processes))]
    public void Gc_regions_are_1_MiB(string process)
    {
        // Partly used and freshly emptied regions stay committed; smaller ones leave less of it behind a burst.
        Assert.True(
            Property(process, "System.GC.RegionSize") is JsonValue size && size.GetValue<long>() == 1024L * 1024,
            $"{process}.runtimeconfig.json should set System.GC.RegionSize to 1048576");
    }

    private static JsonNode? Property(string process, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, process + ".runtimeconfig.json");
        var config = JsonNode.Parse(File.ReadAllText(path));
        return config?["runtimeOptions"]?["configProperties"]?[name];
    }
}
