using Grpc.Core;
using Suite.DaprEmulator.CloudEvents;
using Suite.DaprEmulator.Components;
using Suite.DaprEmulator.Resiliency;

namespace Suite.DaprEmulator.Publishing;

/// <summary>
/// The publish path every entry point shares (gRPC, HTTP, dead-lettering): find the component,
/// wrap the payload as daprd does, and hand it to the broker under the outbound resiliency policy.
/// Errors are <see cref="RpcException"/>s with the status codes daprd uses (dapr-contract.md §1.3).
/// </summary>
public sealed class Publisher(ComponentRegistry components, ResiliencySpec resiliency, CloudEventWriter writer, TimeProvider time)
{
    private readonly Dictionary<string, ResiliencePipeline> _pipelines = components.PubSubs.Keys
        .ToDictionary(name => name, name => resiliency.ForComponent(name, "pubsub", ComponentDirection.Outbound, time));

    public async Task PublishAsync(PublishedEvent published, CancellationToken cancellationToken)
    {
        var pubSub = Resolve(published.PubsubName, published.Topic);
        ReadOnlyMemory<byte> bytes;
        try
        {
            bytes = writer.Write(published);
        }
        catch (InvalidCloudEventException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"error when publish to topic {published.Topic} in pubsub {published.PubsubName}: {ex.Message}"));
        }

        await PublishBytesAsync(published.PubsubName, pubSub, published.Topic, bytes, published.Metadata, cancellationToken);
    }

    /// <summary>Publishes bytes that are already an envelope, e.g. a message forwarded to its dead-letter topic.</summary>
    public Task PublishRawAsync(string pubsubName, string topic, ReadOnlyMemory<byte> bytes, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        PublishBytesAsync(pubsubName, Resolve(pubsubName, topic), topic, bytes, metadata, cancellationToken);

    private async Task PublishBytesAsync(string pubsubName, PubSub.IPubSub pubSub, string topic, ReadOnlyMemory<byte> bytes, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        try
        {
            await _pipelines[pubsubName].ExecuteAsync(
                async ct =>
                {
                    await pubSub.PublishAsync(topic, bytes, metadata, ct);
                    return true;
                },
                _ => false,
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"error when publish to topic {topic} in pubsub {pubsubName}: {ex.Message}"));
        }
    }

    private PubSub.IPubSub Resolve(string pubsubName, string topic)
    {
        if (components.PubSubs.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "pubsub is not configured"));
        }

        if (string.IsNullOrEmpty(pubsubName))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "pubsub name is empty"));
        }

        if (!components.PubSubs.TryGetValue(pubsubName, out var pubSub))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"pubsub {pubsubName} is not found"));
        }

        if (string.IsNullOrEmpty(topic))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"topic is empty in pubsub {pubsubName}"));
        }

        return pubSub;
    }
}
