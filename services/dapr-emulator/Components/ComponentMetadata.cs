using System.Globalization;

namespace Suite.DaprEmulator.Components;

/// <summary>
/// The <c>spec.metadata</c> name/value pairs of a component. Names match case-insensitively, as
/// daprd's mapstructure decoding does. Typed readers throw <see cref="ComponentConfigurationException"/>
/// naming the file and field, so a bad value stops the emulator at start instead of at first use.
/// </summary>
public sealed class ComponentMetadata
{
    private readonly Dictionary<string, string> _values;

    public ComponentMetadata(IEnumerable<KeyValuePair<string, string>> values, string filePath)
    {
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
        {
            // Names match case-insensitively, so "redisHost" and "redishost" are the same field
            // given twice: which one is meant cannot be known, so neither is guessed.
            if (!_values.TryAdd(name, value))
            {
                throw new ComponentConfigurationException(filePath, $"spec.metadata.{name}", "is given more than once");
            }
        }

        FilePath = filePath;
    }

    public string FilePath { get; }

    public IReadOnlyDictionary<string, string> Values => _values;

    public string? GetString(string name) =>
        _values.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    public string GetRequiredString(string name) =>
        GetString(name) ?? throw new ComponentConfigurationException(FilePath, name, "is required");

    public int GetInt(string name, int defaultValue)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return defaultValue;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ComponentConfigurationException(FilePath, name, $"'{raw}' is not an integer");
    }

    public long? GetLong(string name)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return null;
        }

        return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ComponentConfigurationException(FilePath, name, $"'{raw}' is not an integer");
    }

    public bool GetBool(string name, bool defaultValue)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return defaultValue;
        }

        return raw.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new ComponentConfigurationException(FilePath, name, $"'{raw}' is not a boolean"),
        };
    }

    /// <summary>
    /// Reads a duration the way Dapr components do: a Go duration ("1m30s", "500ms") or, when
    /// <paramref name="bareNumberUnit"/> is given, a bare number in that unit.
    /// </summary>
    public TimeSpan GetDuration(string name, TimeSpan defaultValue, TimeSpan? bareNumberUnit = null)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return defaultValue;
        }

        if (bareNumberUnit is { } unit && long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
        {
            return unit * count;
        }

        return GoDuration.TryParse(raw, out var value)
            ? value
            : throw new ComponentConfigurationException(FilePath, name, $"'{raw}' is not a duration such as \"30s\" or \"1m\"");
    }
}
