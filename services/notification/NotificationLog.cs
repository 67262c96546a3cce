namespace Suite.Notification;

internal static partial class NotificationLog
{
    [LoggerMessage(1, LogLevel.Information, "Notification {EventId} ({Type}) published to {Edges} edges")]
    public static partial void Published(ILogger logger, string eventId, string type, int edges);

    [LoggerMessage(2, LogLevel.Information, "Notification {EventId} repeated within the idempotency window; nothing published")]
    public static partial void Duplicate(ILogger logger, string eventId);

    [LoggerMessage(3, LogLevel.Warning, "Notification event {CloudEventId} from {Source} dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string cloudEventId, string source, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Notification {EventId} will be retried: {Reason}")]
    public static partial void Retry(ILogger logger, string eventId, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Notification {EventId} was published but its id could not be recorded; a repeat would publish again")]
    public static partial void RecordFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(6, LogLevel.Error, "Dead letter for {CloudEventId} could not be published; the event goes back to Dapr")]
    public static partial void DeadLetterFailed(ILogger logger, Exception exception, string cloudEventId);

    [LoggerMessage(7, LogLevel.Information, "Notification rejected over gRPC: {Reason}")]
    public static partial void Rejected(ILogger logger, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Notification {EventId} failed on its last delivery attempt and was put in deadletter.notifications: {Reason}")]
    public static partial void GaveUp(ILogger logger, string eventId, string reason);

    [LoggerMessage(10, LogLevel.Error, "Notification {EventId} could not be put in deadletter.notifications; the event goes back to Dapr")]
    public static partial void GiveUpFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(8, LogLevel.Warning, "Notification {EventId} failed and its publish claim could not be given back; a retry waits for the claim to expire")]
    public static partial void ClaimNotReleased(ILogger logger, Exception exception, string eventId);
}
