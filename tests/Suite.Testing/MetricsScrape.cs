using System.Globalization;
using System.Text.RegularExpressions;

namespace Suite.Testing;

/// <summary>
/// A service's /metrics as Prometheus reads it (the OpenTelemetry exporter's text format), so a test
/// checks a metric under the name and labels that dashboards and alert rules use.
/// </summary>
public sealed partial class MetricsScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private MetricsScrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            var match = SampleLine().Match(line.TrimEnd('\r'));
            if (match.Success && double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                var labels = LabelPair().Matches(match.Groups["labels"].Value)
                    .ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value), StringComparer.Ordinal);
                _samples.Add((match.Groups["name"].Value, labels, value));
            }
        }
    }

    /// <summary>The exposition as served.</summary>
    public string Text { get; }

    public static MetricsScrape Parse(string text) => new(text);

    /// <summary>GETs <c>/metrics</c> from <paramref name="http"/>'s base address.</summary>
    public static async Task<MetricsScrape> ReadAsync(HttpClient http, CancellationToken cancellationToken) =>
        new(await http.GetStringAsync("/metrics", cancellationToken));

    /// <summary>Scrapes until <paramref name="isDone"/> holds (the exporter may serve a cached scrape for a moment).</summary>
    public static Task<MetricsScrape> UntilAsync(HttpClient http, Func<MetricsScrape, bool> isDone, CancellationToken cancellationToken, string because) =>
        Eventually.UntilAsync(() => ReadAsync(http, cancellationToken), isDone, TimeSpan.FromSeconds(15), cancellationToken, because);

    /// <summary>
    /// The sum of the samples named <paramref name="name"/> whose labels include every one of
    /// <paramref name="labels"/> ("label=value"); null when there is no such sample at all.
    /// </summary>
    public double? Value(string name, params string[] labels)
    {
        var wanted = labels.Select(l => l.Split('=', 2)).Select(p => (Label: p[0], Value: p[1])).ToArray();
        var matching = _samples.Where(s => s.Name == name && wanted.All(w => s.Labels.TryGetValue(w.Label, out var v) && v == w.Value)).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    /// <summary>The label names the samples named <paramref name="name"/> carry.</summary>
    public IReadOnlySet<string> LabelsOf(string name) =>
        _samples.Where(s => s.Name == name).SelectMany(s => s.Labels.Keys).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every sample name in the scrape.</summary>
    public IReadOnlySet<string> Names => _samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    public override string ToString() => string.Join("\n", Text.Split('\n').Where(l => l.StartsWith("suite_", StringComparison.Ordinal)));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
