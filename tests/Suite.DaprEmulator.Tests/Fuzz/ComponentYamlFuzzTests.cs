using CsCheck;
using Suite.DaprEmulator.Components;
using Suite.LocalServers;
using Suite.Testing.Fuzzing;

namespace Suite.DaprEmulator.Tests.Fuzz;

/// <summary>
/// The emulator's resource reader (Component, Resiliency and Subscription YAML, as daprd's
/// <c>--resources-path</c>) against mutations of the shipped component files and a few documents
/// of each kind: every file loads or is refused with a <see cref="ComponentConfigurationException"/>
/// naming the file, never another exception, a hang or an allocation out of proportion to the file.
/// </summary>
public sealed class ComponentYamlFuzzTests
{
    // What the errors must name: the file the text came from.
    private const string FileName = "/resources/generated.yaml";

    private static readonly string[] ExtraDocuments =
    [
        """
        apiVersion: dapr.io/v2alpha1
        kind: Subscription
        metadata:
          name: notifications
        spec:
          pubsubname: pubsub
          topic: notifications
          routes:
            rules:
            - match: event.type == "urgent"
              path: /urgent
            default: /dapr/notifications
          deadLetterTopic: deadletter.notifications
          bulkSubscribe:
            enabled: true
        scopes:
        - notification
        """,
        """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: statestore
        spec:
          type: state.in-memory
          version: v1
          metadata:
          - name: consumerID
            value: "{appID}-{podName}-{namespace}-{uuid}"
          - name: actorStateStore
            value: "true"
        """,
        // Aliases: a reader that expands them instead of sharing the node would take exponential time.
        """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: &n a
        spec:
          type: &t pubsub.in-memory
          metadata: &m
          - name: a
            value: *n
          - name: b
            value: *t
        scopes: &s [edge-0, *n, *t]
        """,
    ];

    // Values that a mutation puts where a scalar was.
    private static readonly string[] Scalars =
        ["", "0", "-1", "5s", "-1s", "1h2m3s", "200ms", "9999999999999s", "abc", "true", "constant", "exponential", "{uuid}", "{appID}", "{podName}", "{namespace}", "{", "}", "~", "null", "'", "\"", "*x", "&x", "!!binary x", "|", ">", "[a, b]", "{a: b}", "edge-0", "pubsub", "state.redis", "pubsub.redis", "127.0.0.1:6379"];

    // Pieces of YAML syntax a mutation puts in.
    private static readonly string[] Syntax = ["\t", ": ", "- ", "---\n", "...\n", "#", "&a ", "*a", "!!str ", "? ", "%YAML 1.2\n", "\"", "'", "{", "[", "\\", "\u0000", "\ufeff"];

    [Fact]
    public async Task Every_generated_resource_file_loads_or_is_refused_naming_the_file()
    {
        var shipped = Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Find(), "components"), "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText);
        var corpus = shipped.Concat(ExtraDocuments).ToArray();
        var files = Gen.Frequency(
            ((int, IGen<string>))(8, Gen.Select(Gen.OneOf(corpus), Gen.Int.Array[1, 5], Mutate)),
            ((int, IGen<string>))(2, Gen.Select(Gen.OneOf(corpus).Array[1, 3], docs => string.Join("\n---\n", docs))),
            ((int, IGen<string>))(1, Gen.String[0, 300]));
        var templates = new MetadataTemplates("edge-0", "edge-0-pod", "suite");

        var checkedInputs = await FuzzRun.CheckAsync(
            "component YAML",
            files,
            // The YAML tree and the definitions read from it: some tens of times the text.
            yaml => 64L * yaml.Length,
            yaml =>
            {
                try
                {
                    var loaded = ResourceLoader.Load([(FileName, yaml)], "edge-0", templates);
                    return loaded.Components.Count > 0 ? "loaded with components" : "loaded";
                }
                catch (ComponentConfigurationException ex)
                {
                    Assert.Contains(FileName, ex.Message, StringComparison.Ordinal);
                    return "refused";
                }
            },
            TestContext.Current.SendDiagnosticMessage,
            TestContext.Current.CancellationToken);

        Assert.True(checkedInputs >= FuzzRun.Iterations);
    }

    // Each number picks a line and an edit: a scalar replaced, the line dropped, repeated, indented
    // differently, or given a piece of YAML syntax.
    private static string Mutate(string yaml, int[] edits)
    {
        var lines = yaml.Split('\n').ToList();
        foreach (var edit in edits)
        {
            if (lines.Count == 0)
            {
                break;
            }

            var at = (int)((uint)edit % (uint)lines.Count);
            var pick = (int)((uint)edit >> 8);
            var line = lines[at];
            switch ((uint)edit >> 29)
            {
                case 0 or 1 or 2:
                    var colon = line.IndexOf(": ", StringComparison.Ordinal);
                    lines[at] = colon < 0 ? line : line[..(colon + 2)] + Scalars[pick % Scalars.Length];
                    break;
                case 3:
                    lines.RemoveAt(at);
                    break;
                case 4:
                    lines.Insert(at, line);
                    break;
                case 5:
                    lines[at] = pick % 2 == 0 ? "  " + line : line.TrimStart();
                    break;
                default:
                    var column = line.Length == 0 ? 0 : pick % line.Length;
                    lines[at] = line[..column] + Syntax[pick % Syntax.Length] + line[column..];
                    break;
            }
        }

        return string.Join('\n', lines);
    }
}
