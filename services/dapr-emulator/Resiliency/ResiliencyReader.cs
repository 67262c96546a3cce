using System.Text.RegularExpressions;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.Resiliency;

/// <summary>Reads the <c>spec</c> of a <c>kind: Resiliency</c> document into a <see cref="ResiliencySpec"/>.</summary>
public static partial class ResiliencyReader
{
    public static void Read(YamlTree spec, ResiliencySpec into)
    {
        var policies = spec["policies"];
        foreach (var (name, value) in policies["timeouts"].Entries)
        {
            into.Timeouts[name] = new TimeoutPolicy(name, Duration(value, null));
        }

        foreach (var (name, value) in policies["retries"].Entries)
        {
            var backoff = value["policy"].Scalar ?? "constant";
            into.Retries[name] = new RetryPolicy(
                name,
                backoff switch
                {
                    "constant" => RetryBackoff.Constant,
                    "exponential" => RetryBackoff.Exponential,
                    _ => throw value["policy"].Error($"'{backoff}' is not 'constant' or 'exponential'"),
                },
                Duration(value["duration"], TimeSpan.FromSeconds(5)),
                Duration(value["maxInterval"], TimeSpan.FromSeconds(60)),
                Int(value["maxRetries"], -1));
        }

        foreach (var (name, value) in policies["circuitBreakers"].Entries)
        {
            into.CircuitBreakers[name] = new CircuitBreakerPolicy(
                name,
                Int(value["maxRequests"], 1),
                Duration(value["interval"], TimeSpan.Zero),
                Duration(value["timeout"], TimeSpan.FromSeconds(60)),
                Trip(value["trip"]));
        }

        foreach (var (component, target) in spec["targets"]["components"].Entries)
        {
            foreach (var direction in new[] { ComponentDirection.Inbound, ComponentDirection.Outbound })
            {
                var node = target[direction.ToString().ToLowerInvariant()];
                if (node.Exists)
                {
                    into.ComponentTargets[(component, direction)] = new ResiliencyTarget(
                        Reference(node["timeout"], into.Timeouts), Reference(node["retry"], into.Retries), Reference(node["circuitBreaker"], into.CircuitBreakers));
                }
            }
        }
    }

    private static string? Reference<T>(YamlTree node, Dictionary<string, T> policies)
    {
        var name = node.Scalar;
        return name is null || policies.ContainsKey(name) ? name : throw node.Error($"no policy named '{name}'");
    }

    private static TimeSpan Duration(YamlTree node, TimeSpan? fallback)
    {
        var text = node.Scalar;
        if (text is null)
        {
            return fallback ?? throw node.Error("is required");
        }

        return GoDuration.TryParse(text, out var value) ? value : throw node.Error($"'{text}' is not a duration such as \"5s\"");
    }

    private static int Int(YamlTree node, int fallback)
    {
        var text = node.Scalar;
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, out var value) ? value : throw node.Error($"'{text}' is not an integer");
    }

    private static int Trip(YamlTree node)
    {
        var text = node.Scalar ?? "consecutiveFailures > 5";
        var match = TripExpression().Match(text);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : throw node.Error($"only 'consecutiveFailures > N' is supported, not '{text}'");
    }

    [GeneratedRegex(@"^\s*consecutiveFailures\s*>\s*(\d+)\s*$")]
    private static partial Regex TripExpression();
}
