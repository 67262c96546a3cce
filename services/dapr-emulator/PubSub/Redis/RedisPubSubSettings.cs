using System.Globalization;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.PubSub.Redis;

// The pub/sub fields of pubsub.redis (contract §3.4), with contrib's defaults.
internal sealed record RedisPubSubSettings(
    string ConsumerId,
    TimeSpan ProcessingTimeout,
    TimeSpan RedeliverInterval,
    int QueueDepth,
    int Concurrency,
    long? MaxLenApprox,
    TimeSpan? StreamTtl,
    bool RedeliverIntervalIgnored)
{
    public static readonly TimeSpan DefaultProcessingTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultRedeliverInterval = TimeSpan.FromSeconds(15);

    // Redelivery runs only when both knobs are non-zero, as in contrib.
    public bool RedeliveryEnabled => ProcessingTimeout > TimeSpan.Zero && RedeliverInterval > TimeSpan.Zero;

    public static RedisPubSubSettings Read(ComponentMetadata metadata, string appId)
    {
        var processingTimeout = metadata.GetDuration("processingTimeout", DefaultProcessingTimeout, TimeSpan.FromMilliseconds(1));
        if (processingTimeout < TimeSpan.Zero)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "processingTimeout", "must not be negative");
        }

        // contrib applies only ParseUint to redeliverInterval, so "30s" silently keeps the default
        // (contract §3.4); the caller logs that instead of failing, to behave like daprd.
        var redeliverInterval = DefaultRedeliverInterval;
        var redeliverIgnored = false;
        if (metadata.GetString("redeliverInterval") is { } rawInterval)
        {
            if (ulong.TryParse(rawInterval, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                redeliverInterval = TimeSpan.FromMilliseconds(ms);
            }
            else
            {
                redeliverIgnored = true;
            }
        }

        var queueDepth = metadata.GetInt("queueDepth", 100);
        if (queueDepth < 1)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "queueDepth", "must be at least 1");
        }

        var concurrency = metadata.GetInt("concurrency", 10);
        if (concurrency < 1)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "concurrency", "must be at least 1");
        }

        var maxLen = metadata.GetLong("maxLenApprox");
        if (maxLen < 0)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "maxLenApprox", "must not be negative");
        }

        var streamTtl = metadata.GetDuration("streamTTL", TimeSpan.Zero);
        if (streamTtl < TimeSpan.Zero)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "streamTTL", "must not be negative");
        }

        return new RedisPubSubSettings(
            metadata.GetString("consumerID") ?? appId,
            processingTimeout,
            redeliverInterval,
            queueDepth,
            concurrency,
            maxLen > 0 ? maxLen : null,
            streamTtl > TimeSpan.Zero ? streamTtl : null,
            redeliverIgnored);
    }
}
