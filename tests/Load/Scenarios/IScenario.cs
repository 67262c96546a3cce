using System.Text.Json.Nodes;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>One named load shape. It returns its figures; the runner adds settings, machine and target.</summary>
internal interface IScenario
{
    string Name { get; }

    Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken);
}
