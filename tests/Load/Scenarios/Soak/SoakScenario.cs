using System.Text.Json.Nodes;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios.Soak;

/// <summary>
/// <c>soak</c> (issue 11): the suite under steady, mixed traffic for a long time (20 minutes in
/// bench/soak.sh) while clients keep leaving and coming back, to show that nothing accepted is lost or
/// shown twice and that no process's memory creeps up. Rooms of one sender and receivers, direct
/// messages between fixed pairs, acknowledged business events to every user; receivers disconnect one
/// after another (and a share of them at once every few minutes) and resume with <c>since</c>. Each
/// server process's RSS (and GC heap where exported) is sampled along the way; the verdict compares
/// the end with the end of the warm-up (<see cref="SoakVerdict"/>). Needs the suite (rooms, direct
/// messages, a Dapr sidecar for business events): modes embedded, redis and nats.
/// </summary>
internal sealed class SoakScenario : IScenario
{
    public string Name => "soak";

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        if (system.DaprHttpEndpoint is not { } dapr || !system.SupportsDirect)
        {
            return new JsonObject { ["notSupported"] = $"{system.Mode} has no rooms with resume, direct messages and business events together (the suite's modes embedded, redis and nats have)" };
        }

        if (settings.WarmupDuration >= settings.Duration)
        {
            throw new ArgumentException("soak: --warmup-duration must be shorter than --duration (memory is judged after the warm-up)");
        }

        await using var run = new SoakRun(system, settings, dapr);
        return await run.RunAsync(progress, cancellationToken);
    }
}
