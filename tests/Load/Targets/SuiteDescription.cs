using System.Text.Json;
using System.Text.Json.Serialization;

namespace Suite.Load.Targets;

/// <summary>
/// The <c>suite-description: {json}</c> line the embedded suite (<c>--describe-json</c>) and the
/// launcher print once everything is ready (services/launcher/SuiteDescription.cs writes it).
/// </summary>
internal sealed record SuiteDescription(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("edges")] IReadOnlyList<SuiteDescription.Edge> Edges,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, Uri> Metrics,
    [property: JsonPropertyName("daprHttp")] Uri DaprHttp,
    [property: JsonPropertyName("brokers")] IReadOnlyList<int> Brokers)
{
    public const string Prefix = "suite-description: ";

    public static SuiteDescription Parse(string line) =>
        JsonSerializer.Deserialize<SuiteDescription>(line[Prefix.Length..])
        ?? throw new FormatException($"not a suite description: {line}");

    internal sealed record Edge(
        [property: JsonPropertyName("appId")] string AppId,
        [property: JsonPropertyName("webSocket")] Uri WebSocket,
        [property: JsonPropertyName("http")] Uri Http,
        [property: JsonPropertyName("pid")] int Pid,
        [property: JsonPropertyName("internal")] Uri? Internal = null);
}
