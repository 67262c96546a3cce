using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Suite.Contracts.Notification.V1;

namespace Suite.Notification.Inbox;

/// <summary>Between an accepted event, its stored inbox entry and the GetInbox answer.</summary>
public static class InboxItems
{
    /// <param name="contentJson">payload.content as compact JSON (checked at intake).</param>
    /// <param name="defaultTtl">Notification:InboxItemTtl, for an event without its own ttl.</param>
    public static InboxEntry Entry(NotificationEvent evt, string id, string contentJson, DateTimeOffset acceptedAt, TimeSpan defaultTtl)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var filter = evt.Filter;
        return new InboxEntry(
            id,
            evt.Payload.Type,
            contentJson,
            acceptedAt,
            acceptedAt + (evt.Ttl?.ToTimeSpan() ?? defaultTtl),
            NullIfEmpty(filter?.Tags),
            NullIfEmpty(filter?.Regions),
            NullIfEmpty(filter?.Platforms));
    }

    public static InboxItem ToProto(InboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var item = new InboxItem
        {
            Id = entry.Id,
            Type = entry.Type,
            ContentJson = ByteString.CopyFromUtf8(entry.ContentJson),
            Timestamp = Timestamp.FromDateTimeOffset(entry.AcceptedAt),
            ExpiresAt = Timestamp.FromDateTimeOffset(entry.ExpiresAt),
        };
        if (entry.Tags is not null || entry.Regions is not null || entry.Platforms is not null)
        {
            item.Filter = new Filter { Tags = { entry.Tags ?? [] }, Regions = { entry.Regions ?? [] }, Platforms = { entry.Platforms ?? [] } };
        }

        return item;
    }

    private static string[]? NullIfEmpty(IEnumerable<string>? values) => values?.ToArray() is { Length: > 0 } array ? array : null;
}
