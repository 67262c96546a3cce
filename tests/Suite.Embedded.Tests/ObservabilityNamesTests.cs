using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Suite.LocalServers;
using Suite.Testing;

namespace Suite.Embedded.Tests;

/// <summary>
/// deploy/observability's dashboard and alert rules name only metrics the services export, under
/// the names Prometheus sees: every service's instruments (each service's meter, "Suite.*"), turned
/// into Prometheus names the way the exporter does, a rule that is checked against the exporter's
/// own /metrics output after real traffic.
/// </summary>
public sealed partial class ObservabilityNamesTests(SuiteAfterTraffic traffic) : IClassFixture<SuiteAfterTraffic>
{
    [Fact]
    public async Task Dashboard_and_alert_rules_reference_only_metrics_the_services_export()
    {
        var ct = TestContext.Current.CancellationToken;
        var suite = traffic.Suite;

        var exported = InstrumentNames();
        var scraped = new StringBuilder();
        using var http = new HttpClient();
        foreach (var (app, httpPort) in suite.HttpPorts)
        {
            scraped.AppendLine(await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics", ct));
        }

        var scrapedNames = SampleNames(scraped.ToString());
        // The conversion below is the exporter's: every suite sample it wrote is one of its names.
        Assert.Contains("suite_edge_delivery_latency_seconds_bucket", scrapedNames);
        Assert.Contains("suite_room_publishes_total", scrapedNames);
        Assert.Empty(scrapedNames.Where(n => n.StartsWith("suite_", StringComparison.Ordinal)).Except(exported));

        var observability = Path.Combine(RepositoryRoot.Find(), "deploy", "observability");
        var dashboard = File.ReadAllText(Path.Combine(observability, "grafana-dashboard.json"));
        var expressions = JsonDocument.Parse(dashboard).RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        var rules = File.ReadAllText(Path.Combine(observability, "alerts.yaml"));
        var referenced = expressions.Concat([rules]).SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();

        Assert.NotEmpty(expressions);
        Assert.Empty(referenced.Except(exported));
        // Labels the dashboard selects on are labels the exporter writes.
        foreach (var scope in ScopeMatcher().Matches(dashboard).Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.Contains($"otel_scope_name=\"{scope}\"", scraped.ToString(), StringComparison.Ordinal);
        }

        // Labels they select or group on ("reason", "outcome", ...) are attributes the services
        // record on those metrics (an attribute renamed in code would leave a panel empty and an
        // alert silent), checked on every metric the traffic above recorded.
        var scrape = MetricsScrape.Parse(scraped.ToString());
        var ruleExpressions = RuleExpression().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(ruleExpressions);
        var problems = new List<string>();
        var checkedMetrics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var expression in expressions.Concat(ruleExpressions))
        {
            var recorded = MetricName().Matches(expression).Select(m => m.Value).Where(scrape.Names.Contains).ToList();
            checkedMetrics.UnionWith(recorded);
            var carried = recorded.SelectMany(scrape.LabelsOf).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(LabelsUsed(expression)
                .Where(label => recorded.Count > 0 && !carried.Contains(label))
                .Select(label => $"'{expression}' uses label '{label}', which {string.Join(", ", recorded)} do not carry ({string.Join(", ", carried)})"));
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The traffic records the metrics behind most panels, so the check above is not vacuous.
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal) { "suite_edge_connections_by_state", "suite_edge_deliveries_total", "suite_edge_delivery_latency_seconds_bucket", "suite_dapr_publishes_total", "suite_notification_events_dead_lettered_total", "suite_room_ownership_takeovers_total" },
            checkedMetrics);
    }

    // The labels a PromQL expression groups by or matches on, except the histogram's bucket bound.
    private static IEnumerable<string> LabelsUsed(string expression) =>
        GroupedBy().Matches(expression).SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Concat(Matchers().Matches(expression).SelectMany(m => LabelMatcher().Matches(m.Groups[1].Value).Select(l => l.Groups[1].Value)))
            .Where(label => label != "le")
            .Distinct(StringComparer.Ordinal);

    [Fact]
    public async Task Each_service_counts_only_its_own_servers_connections()
    {
        // Four services and their sidecars share the process, and a meter provider listens to meters
        // by name: without scoping, every /metrics carried every Kestrel server's connections.
        var ct = TestContext.Current.CancellationToken;
        var suite = traffic.Suite;
        var port = suite.EdgePort;

        using var http = new HttpClient();
        foreach (var (app, httpPort) in suite.HttpPorts)
        {
            HashSet<string> own = [httpPort.ToString(CultureInfo.InvariantCulture)];
            if (suite.GrpcAddresses.TryGetValue(app, out var grpc))
            {
                own.Add(new Uri(grpc).Port.ToString(CultureInfo.InvariantCulture));
            }

            if (app.StartsWith("edge", StringComparison.Ordinal))
            {
                own.Add(port.ToString(CultureInfo.InvariantCulture));
            }

            var scraped = await http.GetStringAsync($"http://127.0.0.1:{httpPort}/metrics", ct);
            var servers = ServerPort().Matches(scraped).Select(m => m.Groups[1].Value).ToHashSet();
            // This very scrape is a connection to the app's own HTTP port, so the set is never empty.
            Assert.Contains(httpPort.ToString(CultureInfo.InvariantCulture), servers);
            Assert.True(servers.IsSubsetOf(own), $"{app} (ports {string.Join(", ", own)}) counts connections of {string.Join(", ", servers.Except(own))}");
        }
    }

    [GeneratedRegex("""^kestrel_\w+\{[^}]*server_port="(\d+)"[^}]*\}""", RegexOptions.Multiline)]
    private static partial Regex ServerPort();

    private static HashSet<string> InstrumentNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name.StartsWith("Suite.", StringComparison.Ordinal))
                {
                    lock (names)
                    {
                        names.UnionWith(PrometheusNames(instrument));
                    }
                }
            },
        };
        listener.Start();
        return names;
    }

    // OpenTelemetry's Prometheus exporter: dots to underscores, the unit as a suffix (annotations
    // in braces dropped, UCUM units spelled out), _total on counters, histograms as three series.
    private static IEnumerable<string> PrometheusNames(Instrument instrument)
    {
        var name = Regex.Replace(instrument.Name, "[^a-zA-Z0-9_:]", "_");
        var unit = instrument.Unit switch
        {
            null or "" => "",
            var u when u.StartsWith('{') => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            var u => u,
        };
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        var kind = instrument.GetType().GetGenericTypeDefinition();
        if (kind == typeof(Counter<>) || kind == typeof(ObservableCounter<>))
        {
            return [name + "_total"];
        }

        return kind == typeof(Histogram<>) ? [name + "_bucket", name + "_sum", name + "_count"] : [name];
    }

    private static HashSet<string> SampleNames(string exposition) =>
        exposition.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\bsuite_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("otel_scope_name=\\\\?\"([^\"\\\\]+)")]
    private static partial Regex ScopeMatcher();

    [GeneratedRegex(@"^\s*expr:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex RuleExpression();

    [GeneratedRegex(@"\bby\s*\(([^)]*)\)")]
    private static partial Regex GroupedBy();

    [GeneratedRegex(@"\{([^}]*)\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex LabelMatcher();
}
