using System.Globalization;
using System.Text.Json.Nodes;
using Suite.Load.Targets;

namespace Suite.Load.Scenarios;

/// <summary>
/// <c>fanout</c>: R rooms × M members, spread round robin over the edges (so a room's members sit
/// on every edge), S senders per room each sending <c>message</c> frames at a fixed rate for T
/// seconds. Every other member of the room must get each message exactly once, the sender none.
/// Figures: delivered msgs/s, latency from the scheduled send, lost, duplicated, CPU of all server
/// processes per delivered message and of each process per delivered and per room message, and
/// (suite) how many edge publishes the room service made per room message against the number of
/// edges hosting the room's members.
/// </summary>
internal sealed class RoomFanoutScenario : IScenario
{
    internal static readonly TimeSpan WarmupTimeout = TimeSpan.FromSeconds(30);

    public string Name => "fanout";

    public static string RoomId(int room) => "bench-room-" + room.ToString(CultureInfo.InvariantCulture);

    public async Task<JsonObject> RunAsync(ISystemUnderTest system, LoadSettings settings, Progress progress, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var fanout = await RoomFanout.JoinAsync(system, settings, RoomFanout.MessageCount(settings, settings.SenderRate, settings.Duration), progress, cancellationToken);
        var figures = await fanout.RunStepAsync(settings.SenderRate, settings.WarmupDuration, settings.Duration, WarmupTimeout, settings.DrainTimeout, http, cancellationToken);
        foreach (var (key, value) in fanout.Setup)
        {
            figures[key] = value?.DeepClone();
        }

        return figures;
    }
}
