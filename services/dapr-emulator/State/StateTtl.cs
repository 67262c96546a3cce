using System.Globalization;

namespace Suite.DaprEmulator.State;

/// <summary>Reads the <c>ttlInSeconds</c> request metadata that every TTL-capable store honours.</summary>
public static class StateTtl
{
    public const string MetadataKey = "ttlInSeconds";

    /// <summary>
    /// Null when the request sets no TTL; a value of zero or less means "never expire" (Redis PERSIST).
    /// </summary>
    /// <exception cref="ArgumentException">The value is not an integer.</exception>
    public static int? Read(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(MetadataKey, out var raw) || string.IsNullOrEmpty(raw))
        {
            return null;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw new ArgumentException($"ttlInSeconds '{raw}' is not an integer");
    }
}
