using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Suite.LocalServers;

/// <summary>
/// Creates JetStream streams, because pubsub.jetstream (daprd's and the emulator's) never does: tests and the
/// launch scripts call this before starting anything that publishes or subscribes.
/// </summary>
public static class JetStreamStreams
{
    public static async Task EnsureAsync(string natsUrl, string name, IReadOnlyCollection<string> subjects, CancellationToken cancellationToken = default)
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = natsUrl, Name = "suite stream setup" });
        await connection.ConnectAsync();
        var jetStream = new NatsJSContext(connection);
        await jetStream.CreateOrUpdateStreamAsync(new StreamConfig(name, [.. subjects]), cancellationToken);
    }
}
