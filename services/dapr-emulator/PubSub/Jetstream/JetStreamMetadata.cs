using System.Globalization;
using NATS.Client.JetStream.Models;
using Suite.DaprEmulator.Components;

namespace Suite.DaprEmulator.PubSub.Jetstream;

/// <summary>
/// The <c>pubsub.jetstream</c> metadata (contrib <c>pubsub/jetstream/metadata.go</c>), validated up front so a
/// bad resources file stops the emulator at start with the file and field named.
/// </summary>
internal sealed class JetStreamMetadata
{
    public const string DefaultConnectionName = "dapr.io - pubsub.jetstream";

    public required string NatsUrl { get; init; }

    public string? Jwt { get; init; }

    public string? SeedKey { get; init; }

    public string? Token { get; init; }

    public string? TlsClientCert { get; init; }

    public string? TlsClientKey { get; init; }

    public string Name { get; init; } = DefaultConnectionName;

    public string? StreamName { get; init; }

    public string? DurableName { get; init; }

    public string? QueueGroupName { get; init; }

    public ulong StartSequence { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public ConsumerConfigDeliverPolicy DeliverPolicy { get; init; } = ConsumerConfigDeliverPolicy.All;

    public ConsumerConfigAckPolicy AckPolicy { get; init; } = ConsumerConfigAckPolicy.Explicit;

    public bool FlowControl { get; init; }

    public TimeSpan AckWait { get; init; }

    public long MaxDeliver { get; init; }

    public IReadOnlyList<TimeSpan> BackOff { get; init; } = [];

    public long MaxAckPending { get; init; }

    public long Replicas { get; init; }

    public bool MemoryStorage { get; init; }

    public long RateLimit { get; init; }

    public TimeSpan Heartbeat { get; init; }

    public string? Domain { get; init; }

    public string? ApiPrefix { get; init; }

    public bool Parallel { get; init; }

    public bool Acknowledges => AckPolicy is ConsumerConfigAckPolicy.Explicit or ConsumerConfigAckPolicy.All;

    public static JetStreamMetadata Parse(ComponentMetadata metadata)
    {
        var jwt = metadata.GetString("jwt");
        var seedKey = metadata.GetString("seedKey");
        RequirePair(metadata, "jwt", jwt, "seedKey", seedKey);
        var tlsCert = metadata.GetString("tls_client_cert");
        var tlsKey = metadata.GetString("tls_client_key");
        RequirePair(metadata, "tls_client_cert", tlsCert, "tls_client_key", tlsKey);

        var deliverPolicy = ParseDeliverPolicy(metadata);
        var startSequence = GetNonNegative(metadata, "startSequence");
        var startTime = ParseUnixSeconds(metadata, "startTime");

        // The server refuses these combinations too, but only at the first subscribe and without naming the file.
        if (deliverPolicy == ConsumerConfigDeliverPolicy.ByStartSequence && startSequence == 0)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "startSequence", "is required when deliverPolicy is 'sequence'");
        }

        if (deliverPolicy == ConsumerConfigDeliverPolicy.ByStartTime && startTime is null)
        {
            throw new ComponentConfigurationException(metadata.FilePath, "startTime", "is required when deliverPolicy is 'time'");
        }

        return new JetStreamMetadata
        {
            NatsUrl = metadata.GetRequiredString("natsURL"),
            Jwt = jwt,
            SeedKey = seedKey,
            Token = metadata.GetString("token"),
            TlsClientCert = tlsCert,
            TlsClientKey = tlsKey,
            Name = metadata.GetString("name") ?? DefaultConnectionName,
            StreamName = metadata.GetString("streamName"),
            DurableName = GetName(metadata, "durableName"),
            QueueGroupName = metadata.GetString("queueGroupName"),
            StartSequence = startSequence,
            StartTime = startTime,
            DeliverPolicy = deliverPolicy,
            AckPolicy = ParseAckPolicy(metadata),
            FlowControl = metadata.GetBool("flowControl", false),
            AckWait = metadata.GetDuration("ackWait", TimeSpan.Zero),
            MaxDeliver = metadata.GetInt("maxDeliver", 0),
            BackOff = ParseDurations(metadata, "backOff"),
            MaxAckPending = metadata.GetInt("maxAckPending", 0),
            Replicas = metadata.GetInt("replicas", 0),
            MemoryStorage = metadata.GetBool("memoryStorage", false),
            RateLimit = (long)GetNonNegative(metadata, "rateLimit"),
            Heartbeat = metadata.GetDuration("heartbeat", TimeSpan.Zero),
            Domain = metadata.GetString("domain"),
            ApiPrefix = metadata.GetString("apiPrefix"),
            Parallel = ParseConcurrency(metadata),
        };
    }

    private static void RequirePair(ComponentMetadata metadata, string firstName, string? first, string secondName, string? second)
    {
        if (first is not null && second is null)
        {
            throw new ComponentConfigurationException(metadata.FilePath, secondName, $"is required when '{firstName}' is set");
        }

        if (first is null && second is not null)
        {
            throw new ComponentConfigurationException(metadata.FilePath, firstName, $"is required when '{secondName}' is set");
        }
    }

    private static string? GetName(ComponentMetadata metadata, string field)
    {
        var name = metadata.GetString(field);

        // The name becomes a token of the consumer API subject and of the deliver subject.
        if (name is not null && name.AsSpan().IndexOfAny(". *>\t") >= 0)
        {
            throw new ComponentConfigurationException(metadata.FilePath, field, $"'{name}' must not contain '.', '*', '>' or whitespace");
        }

        return name;
    }

    private static ulong GetNonNegative(ComponentMetadata metadata, string field)
    {
        var raw = metadata.GetString(field);
        if (raw is null)
        {
            return 0;
        }

        return ulong.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= long.MaxValue
            ? value
            : throw new ComponentConfigurationException(metadata.FilePath, field, $"'{raw}' is not a non-negative integer");
    }

    private static DateTimeOffset? ParseUnixSeconds(ComponentMetadata metadata, string field)
    {
        if (metadata.GetString(field) is null)
        {
            return null;
        }

        var seconds = GetNonNegative(metadata, field);
        return seconds <= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds((long)seconds)
            : throw new ComponentConfigurationException(metadata.FilePath, field, $"'{seconds}' is beyond the year 9999");
    }

    private static ConsumerConfigDeliverPolicy ParseDeliverPolicy(ComponentMetadata metadata) =>
        metadata.GetString("deliverPolicy")?.Trim() switch
        {
            null or "all" => ConsumerConfigDeliverPolicy.All,
            "last" => ConsumerConfigDeliverPolicy.Last,
            "new" => ConsumerConfigDeliverPolicy.New,
            "sequence" => ConsumerConfigDeliverPolicy.ByStartSequence,
            "time" => ConsumerConfigDeliverPolicy.ByStartTime,
            var other => throw new ComponentConfigurationException(
                metadata.FilePath, "deliverPolicy", $"'{other}' is not one of: all, last, new, sequence, time"),
        };

    private static ConsumerConfigAckPolicy ParseAckPolicy(ComponentMetadata metadata) =>
        metadata.GetString("ackPolicy")?.Trim() switch
        {
            null or "explicit" => ConsumerConfigAckPolicy.Explicit,
            "all" => ConsumerConfigAckPolicy.All,
            "none" => ConsumerConfigAckPolicy.None,
            var other => throw new ComponentConfigurationException(
                metadata.FilePath, "ackPolicy", $"'{other}' is not one of: explicit, all, none"),
        };

    private static bool ParseConcurrency(ComponentMetadata metadata) =>
        metadata.GetString("concurrency")?.Trim() switch
        {
            null or "single" => false,
            "parallel" => true,
            var other => throw new ComponentConfigurationException(
                metadata.FilePath, "concurrency", $"'{other}' is not one of: single, parallel"),
        };

    // daprd decodes a []time.Duration from one comma-separated string.
    private static TimeSpan[] ParseDurations(ComponentMetadata metadata, string field)
    {
        var raw = metadata.GetString(field);
        if (raw is null)
        {
            return [];
        }

        var parts = raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new TimeSpan[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!GoDuration.TryParse(parts[i], out values[i]) || values[i] <= TimeSpan.Zero)
            {
                throw new ComponentConfigurationException(
                    metadata.FilePath, field, $"'{parts[i]}' is not a positive duration such as \"1s\" (expected a comma-separated list)");
            }
        }

        return values;
    }
}
