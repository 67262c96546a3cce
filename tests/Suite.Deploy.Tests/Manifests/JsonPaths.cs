using System.Text.Json.Nodes;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>Null-tolerant navigation: a missing field reads as null, which the checks report.</summary>
public static class JsonPaths
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(key, out var child) ? child : null;
        }

        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue value ? value.ToString() : null;

    public static int? Int(this JsonNode? node, params string[] path) =>
        int.TryParse(node.Str(path), out var number) ? number : null;

    public static IEnumerable<JsonObject> Items(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray array ? array.OfType<JsonObject>() : [];

    public static IEnumerable<string> Strings(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonArray array ? array.OfType<JsonValue>().Select(v => v.ToString()) : [];
}
