using System.Text.Json.Nodes;

namespace Suite.Launcher;

/// <summary>
/// The one line a program that starts the launcher (the load generator) reads once everything is
/// ready: where the edges listen, their processes, every service's metrics, a sidecar to publish
/// through, and the brokers. The embedded suite prints the same shape.
/// </summary>
public static class SuiteDescription
{
    public const string Prefix = "suite-description: ";

    public static string Line(SuiteTopology suite, string components, IEnumerable<int> brokerProcessIds) =>
        Prefix + new JsonObject
        {
            ["mode"] = components,
            ["edges"] = new JsonArray([.. suite.Edges.Select(e => (JsonNode)new JsonObject
            {
                ["appId"] = e.AppId,
                ["webSocket"] = $"ws://127.0.0.1:{e.HttpPort}/ws",
                ["http"] = $"http://127.0.0.1:{e.HttpPort}/",
                // The edge's internal port: its sidecar's app port (Dapr callbacks), health and metrics.
                ["internal"] = $"http://127.0.0.1:{e.AppPort}/",
                ["pid"] = e.ProcessId,
            })]),
            ["metrics"] = new JsonObject
            {
                ["presence"] = Metrics(suite.Presence),
                ["room"] = Metrics(suite.Room),
                ["notification"] = Metrics(suite.Notification),
            },
            // The notification service's sidecar: where a business service would publish to `notifications`.
            ["daprHttp"] = $"http://127.0.0.1:{suite.Notification.SidecarHttpPort}/",
            ["brokers"] = new JsonArray([.. brokerProcessIds.Select(p => (JsonNode)p)]),
        }.ToJsonString();

    private static string Metrics(RunningService service) => $"http://127.0.0.1:{service.HttpPort}/metrics";
}
