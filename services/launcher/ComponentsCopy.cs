using System.Text.RegularExpressions;
using Suite.LocalServers;

namespace Suite.Launcher;

/// <summary>
/// A private copy of the chosen components folder with the broker addresses filled in, so the
/// same YAML the platform team ships runs against brokers on any port.
/// </summary>
internal static partial class ComponentsCopy
{
    public static string Prepare(TopologyOptions options)
    {
        var source = Path.GetFullPath(options.ComponentsFolder, options.RepositoryRoot);
        if (!Directory.Exists(source))
        {
            throw new DirectoryNotFoundException($"components folder {source} does not exist");
        }

        var target = Directory.CreateTempSubdirectory("suite-components-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*.yaml"))
        {
            var yaml = File.ReadAllText(file);
            if (options.RedisAddress is { } redis)
            {
                yaml = yaml.Replace("localhost:6379", redis, StringComparison.Ordinal);
            }

            if (options.NatsUrl is { } nats)
            {
                yaml = yaml.Replace("nats://localhost:4222", nats, StringComparison.Ordinal);
            }

            File.WriteAllText(Path.Combine(target, Path.GetFileName(file)), yaml);
        }

        return target;
    }

    /// <summary>
    /// pubsub.jetstream never creates streams, so the launcher does: one for the suite's topics and
    /// one for dead letters, which must not share the source stream (contract §5).
    /// </summary>
    public static async Task CreateStreamsIfJetStreamAsync(string resources, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(resources, "*.yaml"))
        {
            var yaml = await File.ReadAllTextAsync(file, cancellationToken);
            if (!yaml.Contains("pubsub.jetstream", StringComparison.Ordinal))
            {
                continue;
            }

            var url = NatsUrl().Match(yaml);
            if (!url.Success)
            {
                throw new InvalidOperationException($"{file} has no natsURL value");
            }

            await JetStreamStreams.EnsureAsync(url.Groups[1].Value, "SUITE", ["edge.>", "notifications", "presence.>", "room.>"], cancellationToken);
            await JetStreamStreams.EnsureAsync(url.Groups[1].Value, "SUITE_DEADLETTERS", ["notifications.deadletter", "deadletter.>"], cancellationToken);
        }
    }

    [GeneratedRegex("""name:\s*natsURL\s*\n\s*value:\s*"?([^"\s]+)"?""")]
    private static partial Regex NatsUrl();
}
