using System.Globalization;

namespace Suite.Load.Measurement;

/// <summary>One scrape of a Prometheus text endpoint: sample name (with labels) → value.</summary>
internal sealed class PrometheusScrape
{
    private readonly List<(string Name, string Labels, double Value)> _samples;

    private PrometheusScrape(List<(string, string, double)> samples) => _samples = samples;

    public static async Task<PrometheusScrape> FromAsync(HttpClient http, Uri metrics, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(metrics, cancellationToken);
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            string name, labels, rest;
            if (brace >= 0 && brace < space)
            {
                var close = line.IndexOf('}', brace);
                name = line[..brace];
                labels = line[(brace + 1)..close];
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                labels = "";
                rest = line[(space + 1)..].Trim();
            }

            var value = rest.Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                samples.Add((name, labels, number));
            }
        }

        return new PrometheusScrape(samples);
    }

    public bool Has(string name) => _samples.Exists(s => s.Name == name);

    /// <summary>The sum over every label set of <paramref name="name"/>, or null when it is not exported.</summary>
    public double? Sum(string name, string? labelContains = null)
    {
        double? sum = null;
        foreach (var (sampleName, labels, value) in _samples)
        {
            if (sampleName == name && (labelContains is null || labels.Contains(labelContains, StringComparison.Ordinal)))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }

    /// <summary>The first of <paramref name="names"/> that is exported, with its summed value.</summary>
    public (string Name, double Value)? First(params string[] names)
    {
        foreach (var name in names)
        {
            if (Sum(name) is { } value)
            {
                return (name, value);
            }
        }

        return null;
    }
}
