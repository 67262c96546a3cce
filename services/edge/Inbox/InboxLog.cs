namespace Suite.Edge.Inbox;

internal static partial class InboxLog
{
    [LoggerMessage(1, LogLevel.Warning, "Connection {ConnectionId} of {UserId}: the inbox could not be fetched from notification ({Reason}); the connection goes on without its pending items")]
    public static partial void FetchFailed(ILogger logger, string connectionId, string userId, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Connection {ConnectionId}: dropping inbox item {EventId} ({Type}) whose frame cannot be rendered: {Reason}")]
    public static partial void Unrenderable(ILogger logger, string connectionId, string eventId, string type, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} of {UserId}: {Count} pending inbox items sent")]
    public static partial void Sent(ILogger logger, string connectionId, string userId, int count);
}
