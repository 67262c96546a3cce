using NATS.Client.JetStream.Models;

namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>The push consumer one subscription creates: its name, deliver subject and server-side config.</summary>
internal sealed record JetStreamConsumerPlan(
    string Topic,
    string StreamName,
    string ConsumerName,
    string DeliverSubject,
    string? QueueGroup,
    bool IsEphemeral)
{
    public static JetStreamConsumerPlan Create(string topic, string streamName, JetStreamMetadata metadata)
    {
        if (metadata.DurableName is { } durable)
        {
            // Differs from contrib on purpose. contrib gives every sidecar a fresh inbox as deliver subject, so on
            // nats-server 2.9.10 a second sidecar's AddConsumer for the same durable is refused ("consumer name
            // already in use") and only the first replica ever receives (contract §5). A deliver subject derived
            // from stream + durable makes every replica send the identical config, which the server accepts as
            // a no-op, and the replicas then share the messages through the queue group (deliver group).
            // The same subject also lets a restarted subscriber rebind without changing the consumer's config.
            // The topic is part of the consumer name because one durable filters one subject: with contrib,
            // a sidecar that subscribes to two topics of one stream cannot use durableName at all.
            var durableConsumer = $"{durable}-{ConsumerSafe(topic)}";
            return new JetStreamConsumerPlan(
                topic, streamName, durableConsumer, $"_dapr.deliver.{streamName}.{durableConsumer}", metadata.QueueGroupName, IsEphemeral: false);
        }

        // Named ephemeral (server >= 2.9): the name goes into the API subject, so the filter subject can follow
        // it unambiguously; the server still deletes it once nobody listens on the deliver subject.
        var name = Guid.NewGuid().ToString("N");
        return new JetStreamConsumerPlan(
            topic, streamName, name, $"_dapr.deliver.{streamName}.{name}", metadata.QueueGroupName, IsEphemeral: true);
    }

    // Consumer names may not contain '.', '*', '>' or whitespace; topics usually contain dots.
    private static string ConsumerSafe(string topic) =>
        string.Create(topic.Length, topic, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = source[i] is '.' or '*' or '>' || char.IsWhiteSpace(source[i]) ? '_' : source[i];
            }
        });

    public ConsumerConfig ToConsumerConfig(JetStreamMetadata metadata)
    {
        var config = new ConsumerConfig
        {
            Name = ConsumerName,
            DurableName = IsEphemeral ? null! : ConsumerName,
            DeliverSubject = DeliverSubject,
            DeliverGroup = QueueGroup!,
            FilterSubject = Topic,
            DeliverPolicy = metadata.DeliverPolicy,
            AckPolicy = metadata.AckPolicy,
            FlowControl = metadata.FlowControl,
        };

        if (metadata.StartSequence > 0)
        {
            config.OptStartSeq = metadata.StartSequence;
        }

        if (metadata.StartTime is { } startTime)
        {
            config.OptStartTime = startTime;
        }

        if (metadata.AckWait > TimeSpan.Zero)
        {
            config.AckWait = metadata.AckWait;
        }

        if (metadata.MaxDeliver != 0)
        {
            config.MaxDeliver = metadata.MaxDeliver;
        }

        if (metadata.BackOff.Count > 0)
        {
            config.Backoff = [.. metadata.BackOff];
        }

        if (metadata.MaxAckPending != 0)
        {
            config.MaxAckPending = metadata.MaxAckPending;
        }

        if (metadata.Replicas != 0)
        {
            config.NumReplicas = metadata.Replicas;
        }

        if (metadata.MemoryStorage)
        {
            config.MemStorage = true;
        }

        if (metadata.RateLimit != 0)
        {
            config.RateLimitBps = metadata.RateLimit;
        }

        if (metadata.Heartbeat > TimeSpan.Zero)
        {
            config.IdleHeartbeat = metadata.Heartbeat;
        }

        return config;
    }
}
