namespace Suite.Notification.Inbox;

/// <summary>
/// An id acknowledged out of the inbox, kept until the item would have expired, so a late repeat of
/// its event (after the idempotency window) does not put it back.
/// </summary>
public sealed record AckedId(string Id, DateTimeOffset ExpiresAt);
