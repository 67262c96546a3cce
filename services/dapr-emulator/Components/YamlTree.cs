using YamlDotNet.RepresentationModel;

namespace Suite.DaprEmulator.Components;

/// <summary>
/// Navigation over one parsed YAML document. Resource files are small and read once at start, so a
/// node tree is simpler than typed deserialisation and lets errors name the exact field.
/// </summary>
public sealed class YamlTree(YamlNode? node, string filePath, string path)
{
    public string FilePath { get; } = filePath;

    public string Path { get; } = path;

    public bool Exists => node is not null and not YamlScalarNode { Value: null or "" or "~" or "null" };

    public YamlTree this[string key]
    {
        get
        {
            var child = node is YamlMappingNode map
                ? map.Children.FirstOrDefault(entry => string.Equals((entry.Key as YamlScalarNode)?.Value, key, StringComparison.OrdinalIgnoreCase)).Value
                : null;
            return new YamlTree(child, FilePath, Path.Length == 0 ? key : $"{Path}.{key}");
        }
    }

    public string? Scalar => node is YamlScalarNode scalar && Exists ? scalar.Value : null;

    public IEnumerable<YamlTree> Items => node is YamlSequenceNode seq
        ? seq.Children.Select((child, i) => new YamlTree(child, FilePath, $"{Path}[{i}]"))
        : [];

    /// <exception cref="ComponentConfigurationException">A key is not a plain name (YAML allows a mapping or a list as a key).</exception>
    public IEnumerable<(string Key, YamlTree Value)> Entries => node is YamlMappingNode map
        ? map.Children.Select(entry => entry.Key is YamlScalarNode { Value: var key }
            ? (key ?? "", new YamlTree(entry.Value, FilePath, $"{Path}.{key}"))
            : throw Error($"has a key that is not a plain name ({entry.Key.NodeType}) at line {entry.Key.Start.Line}"))
        : [];

    public string RequiredScalar() =>
        Scalar ?? throw new ComponentConfigurationException(FilePath, Path, "is required");

    public ComponentConfigurationException Error(string problem) => new(FilePath, Path, problem);
}
