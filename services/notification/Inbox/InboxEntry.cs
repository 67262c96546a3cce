namespace Suite.Notification.Inbox;

/// <summary>
/// One pending acknowledged notification in a user's inbox, as stored: what the edge needs to render
/// its frame again (exactly the live one, plus <c>"ack":true</c>) and to apply the event's filter.
/// </summary>
/// <param name="ContentJson">payload.content as compact JSON text.</param>
/// <param name="AcceptedAt">The frame's <c>timestamp</c>.</param>
/// <param name="ExpiresAt">The event's ttl after acceptance, else Notification:InboxItemTtl.</param>
public sealed record InboxEntry(
    string Id,
    string Type,
    string ContentJson,
    DateTimeOffset AcceptedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? Regions = null,
    IReadOnlyList<string>? Platforms = null);
