using System.Text.RegularExpressions;
using Suite.DaprEmulator.CloudEvents;

namespace Suite.DaprEmulator.Subscriptions;

/// <summary>
/// Evaluates routing rules. daprd uses full CEL; the emulator supports the form the SDK docs use:
/// comparisons of top-level CloudEvent string attributes (<c>event.type == "order"</c>,
/// <c>!=</c>) joined by <c>&amp;&amp;</c> and <c>||</c>. Anything else is reported once at
/// subscribe time and never matches, so a message falls through to the default route.
/// </summary>
public sealed partial class RouteMatcher
{
    private readonly List<(Func<CloudEventFields, bool> Matches, string Path)> _rules = [];

    public RouteMatcher(AppSubscription subscription, Action<string> reportUnsupported)
    {
        foreach (var rule in subscription.Rules)
        {
            var compiled = Compile(rule.Match);
            if (compiled is null)
            {
                reportUnsupported(rule.Match);
                continue;
            }

            _rules.Add((compiled, rule.Path));
        }

        DefaultPath = subscription.DefaultPath;
    }

    public string? DefaultPath { get; }

    public bool HasRules => _rules.Count > 0;

    /// <summary>The first matching rule's path, else the default; null means ack and skip (as daprd).</summary>
    public string? Route(CloudEventFields? fields)
    {
        if (fields is not null)
        {
            foreach (var (matches, path) in _rules)
            {
                if (matches(fields))
                {
                    return path;
                }
            }
        }

        return DefaultPath;
    }

    private static Func<CloudEventFields, bool>? Compile(string expression)
    {
        var alternatives = new List<List<Func<CloudEventFields, bool>>>();
        foreach (var alternative in expression.Split("||"))
        {
            var terms = new List<Func<CloudEventFields, bool>>();
            foreach (var term in alternative.Split("&&"))
            {
                var match = Comparison().Match(term);
                if (!match.Success)
                {
                    return null;
                }

                var field = match.Groups["field"].Value;
                var value = match.Groups["dq"].Success ? match.Groups["dq"].Value : match.Groups["sq"].Value;
                var equal = match.Groups["op"].Value == "==";
                terms.Add(fields => (fields[field] == value) == equal);
            }

            alternatives.Add(terms);
        }

        return fields => alternatives.Any(terms => terms.All(term => term(fields)));
    }

    [GeneratedRegex("""^\s*event\.(?<field>[A-Za-z0-9_]+)\s*(?<op>==|!=)\s*(?:"(?<dq>[^"]*)"|'(?<sq>[^']*)')\s*$""")]
    private static partial Regex Comparison();
}
