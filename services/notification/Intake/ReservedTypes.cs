namespace Suite.Notification.Intake;

/// <summary>
/// Frame types of client protocol v1 (the edge's ServerMessageTypes). A notification with one of
/// them would look to clients like a chat message, an auth answer or a control frame.
/// </summary>
public static class ReservedTypes
{
    private static readonly HashSet<string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        "message", "user:joined", "user:left", "auth:ok", "auth:fail", "pong", "error",
        "reconnect", "joined", "left", "subscribed", "unsubscribed", "direct", "history", "dismissed",
    };

    public static bool Contains(string type) => Types.Contains(type);
}
