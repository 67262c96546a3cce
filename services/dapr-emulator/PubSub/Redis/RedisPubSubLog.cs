namespace Suite.DaprEmulator.PubSub.Redis;

internal static partial class RedisPubSubLog
{
    [LoggerMessage(1, LogLevel.Warning, "Component {Component}: redeliverInterval '{Value}' is not a bare millisecond number; daprd ignores it too and keeps the default {Default}")]
    public static partial void RedeliverIntervalIgnored(ILogger logger, string component, string value, TimeSpan @default);

    [LoggerMessage(2, LogLevel.Information, "Subscribed to stream {Topic} as consumer group {ConsumerId}")]
    public static partial void Subscribed(ILogger logger, string topic, string consumerId);

    [LoggerMessage(3, LogLevel.Warning, "Consumer group {ConsumerId} of stream {Topic} is gone (NOGROUP); re-creating it")]
    public static partial void GroupMissing(ILogger logger, string topic, string consumerId);

    [LoggerMessage(4, LogLevel.Error, "Reading stream {Topic} failed; retrying")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(5, LogLevel.Warning, "Handler failed for message {MessageId} on {Topic}; acknowledging it anyway, as daprd 1.17+ does")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string topic, string messageId);

    [LoggerMessage(6, LogLevel.Debug, "Handler cancelled for message {MessageId} on {Topic}; it stays pending for redelivery")]
    public static partial void HandlerCancelled(ILogger logger, string topic, string messageId);

    [LoggerMessage(7, LogLevel.Error, "Acknowledging {Count} messages on {Topic} failed; they stay pending for redelivery")]
    public static partial void AckFailed(ILogger logger, Exception exception, string topic, int count);

    [LoggerMessage(8, LogLevel.Error, "Reclaiming pending messages of {Topic} failed")]
    public static partial void ReclaimFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(9, LogLevel.Debug, "Redelivering {Count} pending messages of {Topic}")]
    public static partial void Redelivering(ILogger logger, string topic, int count);
}
