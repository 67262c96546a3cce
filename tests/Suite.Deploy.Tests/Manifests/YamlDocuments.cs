using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Suite.Deploy.Tests.Manifests;

/// <summary>
/// YAML files as JSON trees, so the checks navigate one shape. Scalars stay strings ("5110" and
/// 5110 read alike): Kubernetes and Dapr take both in the places the checks read.
/// </summary>
public static class YamlDocuments
{
    public static IReadOnlyList<JsonObject> Load(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new InvalidDataException($"{path}: not valid YAML ({ex.Start}): {ex.Message}", ex);
        }

        var documents = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            documents.Add(ToJson(document.RootNode) as JsonObject
                ?? throw new InvalidDataException($"{path}: a document at {document.RootNode.Start} is not a mapping"));
        }

        return documents;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value ?? "", ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Value: "null" or "~", Style: ScalarStyle.Plain } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new InvalidDataException($"unsupported YAML node at {node.Start}"),
    };
}
