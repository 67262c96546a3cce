using Suite.ServiceDefaults;

namespace Suite.Deploy.Tests.Facts;

/// <summary>
/// A suite service as a deployment sees it: its Dapr app id, its project folder (for its
/// appsettings.json) and the Dapr components it uses.
/// </summary>
/// <remarks>
/// The components are listed here because the services reach them through shared layers
/// (services/defaults: StateStore, the publishers), not in a way a test can read from each project:
/// the edge publishes and subscribes only; presence, room and notification also keep state.
/// </remarks>
public sealed record SuiteApp(string AppId, string Folder, string Assembly, IReadOnlyList<string> Components)
{
    public static readonly SuiteApp Edge = new("edge", "edge", "Suite.Edge", [DaprNames.PubSub]);
    public static readonly SuiteApp Presence = new("presence", "presence", "Suite.Presence", [DaprNames.PubSub, DaprNames.StateStore]);
    public static readonly SuiteApp Room = new("room", "room", "Suite.Room", [DaprNames.PubSub, DaprNames.StateStore]);
    public static readonly SuiteApp Notification = new("notification", "notification", "Suite.Notification", [DaprNames.PubSub, DaprNames.StateStore]);

    public static readonly IReadOnlyList<SuiteApp> All = [Edge, Presence, Room, Notification];

    public static SuiteApp? ByAppId(string? appId) => All.FirstOrDefault(a => a.AppId == appId);

    public bool IsEdge => this == Edge;
}
