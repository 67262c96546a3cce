namespace Suite.Edge.Delivery;

internal static partial class DeliveryStreamsLog
{
    [LoggerMessage(1, LogLevel.Information, "delivery stream for topic {Topic} opened on {Endpoint}")]
    public static partial void Opened(ILogger logger, string topic, string endpoint);

    [LoggerMessage(2, LogLevel.Warning, "delivery stream for topic {Topic} failed; reconnecting in {Delay}")]
    public static partial void Failed(ILogger logger, string topic, TimeSpan delay, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "delivery stream for topic {Topic} was closed by the sidecar; reconnecting in {Delay}")]
    public static partial void Closed(ILogger logger, string topic, TimeSpan delay);

}
