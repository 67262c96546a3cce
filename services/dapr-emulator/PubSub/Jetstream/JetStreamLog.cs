namespace Suite.DaprEmulator.PubSub.Jetstream;

internal static partial class JetStreamLog
{
    [LoggerMessage(1, LogLevel.Information, "Connected to NATS at {Url} as '{Name}'")]
    public static partial void Connected(ILogger logger, string url, string name);

    [LoggerMessage(2, LogLevel.Debug, "Published to {Subject} (stream {Stream}, seq {Sequence}, msg id {MsgId}, duplicate {Duplicate})")]
    public static partial void Published(ILogger logger, string subject, string? stream, ulong sequence, string? msgId, bool duplicate);

    [LoggerMessage(3, LogLevel.Information, "Subscribed to {Subject}: consumer {Consumer} on stream {Stream}, deliver subject {DeliverSubject}, queue group {QueueGroup}")]
    public static partial void Subscribed(ILogger logger, string subject, string consumer, string stream, string deliverSubject, string? queueGroup);

    [LoggerMessage(4, LogLevel.Warning, "Handler failed for a message on {Subject}; {Reaction}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string subject, string reaction);

    [LoggerMessage(5, LogLevel.Information, "Handler cancelled for a message on {Subject}; not acknowledged, the server redelivers it after ackWait")]
    public static partial void HandlerCancelled(ILogger logger, string subject);

    [LoggerMessage(6, LogLevel.Warning, "Could not send {Reply} for a message on {Subject}")]
    public static partial void ReplyFailed(ILogger logger, Exception exception, string reply, string subject);

    [LoggerMessage(7, LogLevel.Error, "Delivery loop for {Subject} stopped unexpectedly")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string subject);

    [LoggerMessage(8, LogLevel.Debug, "Unsubscribed from {Subject} (consumer {Consumer})")]
    public static partial void Unsubscribed(ILogger logger, string subject, string consumer);

    [LoggerMessage(9, LogLevel.Warning, "Could not delete ephemeral consumer {Consumer} on stream {Stream}; the server removes it after its inactive threshold")]
    public static partial void DeleteConsumerFailed(ILogger logger, Exception exception, string consumer, string stream);

    [LoggerMessage(10, LogLevel.Warning, "Gave up on a message on {Subject}: its delivery {Delivered} did not succeed and maxDeliver is {MaxDeliver}, so the server will not deliver it again (give the subscription a deadLetterTopic to keep such messages)")]
    public static partial void DeliveriesExhausted(ILogger logger, string subject, long delivered, long maxDeliver);
}
