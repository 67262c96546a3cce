using Suite.DaprEmulator.Resiliency;
using Suite.DaprEmulator.Subscriptions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Suite.DaprEmulator.Components;

/// <summary>
/// Reads every YAML file in the resources folders the way daprd's <c>--resources-path</c> does:
/// Components, Resiliency and Subscription documents, several per file, filtered by <c>scopes</c>.
/// Any problem is a <see cref="ComponentConfigurationException"/> naming the file and field.
/// </summary>
public static class ResourceLoader
{
    public static LoadedResources Load(IEnumerable<string> resourcesPaths, string appId, MetadataTemplates templates) =>
        Load(resourcesPaths.SelectMany(EnumerateYamlFiles).Order(StringComparer.Ordinal).Select(file => (file, ReadText(file))), appId, templates);

    /// <summary>Reads resource files already in memory: each its name (for errors) and its text.</summary>
    public static LoadedResources Load(IEnumerable<(string File, string Yaml)> files, string appId, MetadataTemplates templates)
    {
        var components = new List<ComponentDefinition>();
        var resiliency = new ResiliencySpec();
        var subscriptions = new List<AppSubscription>();

        foreach (var (file, yaml) in files)
        {
            foreach (var document in ReadDocuments(file, yaml))
            {
                if (!AppliesTo(document, appId))
                {
                    continue;
                }

                switch (document["kind"].Scalar)
                {
                    case "Component":
                        components.Add(ReadComponent(document, templates));
                        break;
                    case "Resiliency":
                        ResiliencyReader.Read(document["spec"], resiliency);
                        break;
                    case "Subscription":
                        subscriptions.Add(ReadSubscription(document));
                        break;
                    default:
                        // Configuration, HTTPEndpoint and friends: daprd reads them elsewhere or the suite does not use them.
                        break;
                }
            }
        }

        var duplicate = components.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            var second = duplicate.Skip(1).First();
            throw new ComponentConfigurationException(second.FilePath, "metadata.name", $"component '{duplicate.Key}' is also defined in {duplicate.First().FilePath}");
        }

        return new LoadedResources(components, resiliency, subscriptions);
    }

    private static IEnumerable<string> EnumerateYamlFiles(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new ComponentConfigurationException(path, null, "resources path does not exist");
        }

        return Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));
    }

    private static string ReadText(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ComponentConfigurationException(file, null, $"cannot be read: {ex.Message}");
        }
    }

    private static List<YamlTree> ReadDocuments(string file, string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        // YamlDotNet reports some malformed input with other exceptions than YamlException, from its
        // parser's state: InvalidOperationException (an unterminated flow mapping, "a: {"),
        // ArgumentException (an empty key where a mapping was expected, " :  name: x").
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            throw new ComponentConfigurationException(file, null, $"is not valid YAML: {ex.Message}");
        }

        return stream.Documents.Select(d => new YamlTree(d.RootNode, file, "")).ToList();
    }

    private static bool AppliesTo(YamlTree document, string appId)
    {
        var scopes = document["scopes"].Items.Select(s => s.Scalar).ToList();
        return scopes.Count == 0 || scopes.Contains(appId);
    }

    private static ComponentDefinition ReadComponent(YamlTree document, MetadataTemplates templates)
    {
        var name = document["metadata"]["name"].RequiredScalar();
        var spec = document["spec"];
        var type = spec["type"].RequiredScalar();
        var metadata = new List<KeyValuePair<string, string>>();
        foreach (var item in spec["metadata"].Items)
        {
            var field = item["name"].RequiredScalar();
            if (item["secretKeyRef"].Exists)
            {
                throw item["secretKeyRef"].Error($"secret references are not supported by the emulator; put the value of '{field}' in 'value' or an environment-specific file");
            }

            var value = item["value"].Scalar ?? "";
            metadata.Add(new(field, templates.Resolve(value, document.FilePath, $"spec.metadata.{field}")));
        }

        return new ComponentDefinition(
            name,
            type,
            spec["version"].Scalar ?? "v1",
            new ComponentMetadata(metadata, document.FilePath),
            document["scopes"].Items.Select(s => s.Scalar ?? "").ToList(),
            document.FilePath);
    }

    private static AppSubscription ReadSubscription(YamlTree document)
    {
        var spec = document["spec"];
        var routes = spec["routes"];
        var rules = routes["rules"].Items
            .Select(r => new RouteRule(r["match"].Scalar ?? "", RoutePath(r["path"].RequiredScalar())))
            .ToList();
        var defaultPath = routes["default"].Scalar ?? spec["route"].Scalar;
        if (rules.Count == 0 && defaultPath is null)
        {
            throw spec["routes"].Error("a subscription needs routes.default, routes.rules or route");
        }

        var bulk = spec["bulkSubscribe"]["enabled"].Scalar;
        return new AppSubscription(
            spec["pubsubname"].RequiredScalar(),
            spec["topic"].RequiredScalar(),
            spec["metadata"].Entries.ToDictionary(e => e.Key, e => e.Value.Scalar ?? ""),
            rules,
            defaultPath is null ? null : RoutePath(defaultPath),
            spec["deadLetterTopic"].Scalar,
            string.Equals(bulk, "true", StringComparison.OrdinalIgnoreCase));
    }

    private static string RoutePath(string path) => path.TrimStart('/');
}
