using System.Diagnostics;
using System.Text.Json.Nodes;
using Suite.Load.Measurement;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// Server CPU over the fan-out setup's join phase, in total and per process, per join: whether the
/// phase is bound by the server core (busy near 100 % of it) or by waits (issue 9's joins target).
/// </summary>
internal sealed class JoinCpu
{
    private readonly ISystemUnderTest _system;
    private readonly CpuSample _before;
    private readonly TieredCompilation _compilationBefore;
    private readonly long _startedAt;

    private JoinCpu(ISystemUnderTest system)
    {
        _system = system;
        _before = CpuSample.Take(system.ServerProcesses());
        _compilationBefore = TieredCompilation.Take(system.ServerProcessIds());
        _startedAt = Stopwatch.GetTimestamp();
    }

    public static JoinCpu Start(ISystemUnderTest system) => new(system);

    /// <summary>The phase's figures: seconds, server CPU (% of a core, µs per join, of it tier-1 compilation) and µs per join of each process.</summary>
    public JsonObject Stop(int joins)
    {
        var seconds = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
        var after = CpuSample.Take(_system.ServerProcesses());
        var compilation = TieredCompilation.Take(_system.ServerProcessIds()).Since(_compilationBefore);
        var cpu = after.Total - _before.Total;
        var perJoin = Math.Max(1, joins);
        var byProcess = new JsonObject();
        foreach (var (role, _, roleCpu) in after.Since(_before))
        {
            byProcess[role] = Math.Round(roleCpu.TotalMicroseconds / perJoin, 1);
        }

        return new JsonObject
        {
            ["seconds"] = Math.Round(seconds, 3),
            ["serverCpuPercentOfCore"] = Math.Round(cpu.TotalSeconds / Math.Max(0.001, seconds) * 100, 1),
            ["serverCpuMicrosPerJoin"] = Math.Round(cpu.TotalMicroseconds / perJoin, 1),
            ["compilationCpuMicrosPerJoin"] = Math.Round(compilation.TotalMicroseconds / perJoin, 1),
            ["microsPerJoinByProcess"] = byProcess,
        };
    }
}
