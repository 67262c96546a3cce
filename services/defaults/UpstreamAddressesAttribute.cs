using System.ComponentModel.DataAnnotations;

namespace Suite.ServiceDefaults;

/// <summary>
/// An upstream address setting: one absolute http or https address, or several separated by commas
/// (replicas of one service, tried in the order given), all with the same scheme, e.g.
/// <c>http://127.0.0.1:5102,http://127.0.0.1:5112</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class UpstreamAddressesAttribute : ValidationAttribute
{
    public UpstreamAddressesAttribute()
        : base("The {0} field must hold one or more absolute http or https addresses separated by commas, all with the same scheme.")
    {
    }

    public override bool IsValid(object? value) => value is not string text || TryParse(text, out _);

    /// <summary>The addresses in <paramref name="setting"/>, in order; throws if one is not valid.</summary>
    public static IReadOnlyList<Uri> Parse(string setting) =>
        TryParse(setting, out var addresses)
            ? addresses
            : throw new FormatException($"'{setting}' is not a list of absolute http or https addresses separated by commas");

    private static bool TryParse(string setting, out IReadOnlyList<Uri> addresses)
    {
        var parsed = new List<Uri>();
        addresses = parsed;
        foreach (var part in setting.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                return false;
            }

            parsed.Add(uri);
        }

        return parsed.Count > 0 && parsed.All(u => u.Scheme == parsed[0].Scheme);
    }
}
