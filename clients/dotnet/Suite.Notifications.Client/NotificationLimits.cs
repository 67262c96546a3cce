namespace Suite.Notifications.Client;

/// <summary>
/// The intake's input limits (the notification service's <c>Notification:*</c> settings), with its
/// defaults. Set them to the deployment's values when it changed them, so an event the service
/// would refuse is refused here, before publishing.
/// </summary>
public sealed class NotificationLimits
{
    /// <summary><c>Notification:MaxUsers</c>: users one event may target.</summary>
    public int MaxUsers { get; set; } = 10_000;

    /// <summary><c>Notification:MaxIdLength</c>: longest id, user id, room, channel, droppable key, payload type and filter value.</summary>
    public int MaxIdLength { get; set; } = 256;

    /// <summary><c>Notification:MaxContentBytes</c>: largest content, in bytes of compact JSON.</summary>
    public int MaxContentBytes { get; set; } = 512 * 1024;

    /// <summary><c>Notification:MaxFilterValues</c>: values per filter criterion.</summary>
    public int MaxFilterValues { get; set; } = 100;

    /// <summary>Longest TTL the service accepts (fixed there).</summary>
    public static TimeSpan MaxTtl { get; } = TimeSpan.FromDays(365);
}
