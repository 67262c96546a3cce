using System.Text.Json.Nodes;

namespace Suite.DaprEmulator.Tests.Hosting;

/// <summary>
/// The runtime settings the sidecar ships with (its runtimeconfig.json, copied beside the tests), which
/// keep its memory flat through reconnect bursts (docs/benchmarks.md, "Soak").
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void Thread_pool_does_not_hill_climb()
    {
        // A climbing goal made new worker threads at each burst, and each new high of threads a new
        // glibc arena that kept its memory after they retired.
        Assert.True(
            Property("System.Threading.ThreadPool.HillClimbing.Disable") is JsonValue value && value.GetValue<bool>(),
            "the sidecar's runtimeconfig.json should set System.Threading.ThreadPool.HillClimbing.Disable to true");
    }

    [Fact]
    public void Garbage_collector_is_workstation()
    {
        Assert.True(
            Property("System.GC.Server") is JsonValue value && !value.GetValue<bool>(),
            "the sidecar's runtimeconfig.json should set System.GC.Server to false");
    }

    private static JsonNode? Property(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Suite.DaprEmulator.runtimeconfig.json");
        var config = JsonNode.Parse(File.ReadAllText(path));
        return config?["runtimeOptions"]?["configProperties"]?[name];
    }
}
