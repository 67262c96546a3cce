namespace Suite.Notification.Inbox;

/// <summary>
/// The inbox's rules, apart from storage so they are tested on their own: items keep their order of
/// acceptance; one id is in an inbox at most once and does not come back after its ack while it would
/// have lived; beyond the cap the oldest items go; an expired item is never returned and is pruned at
/// the next write. Pure functions: the state store's read-modify-write may run them more than once.
/// </summary>
public static class InboxRules
{
    public static InboxChange Add(InboxRecord? current, InboxEntry entry, DateTimeOffset now, int maxItems)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var record = current ?? InboxRecord.Empty;
        if (entry.ExpiresAt <= now || record.Items.Any(i => i.Id == entry.Id) || record.Acked.Any(a => a.Id == entry.Id && a.ExpiresAt > now))
        {
            return new InboxChange(current, Changed: false, 0, []);
        }

        var items = Live(record.Items, now).Append(entry).ToList();
        var dropped = items.Count > maxItems ? items.GetRange(0, items.Count - maxItems) : [];
        items.RemoveRange(0, dropped.Count);
        return new InboxChange(new InboxRecord(items, Live(record.Acked, now).ToList()), Changed: true, 0, dropped);
    }

    /// <summary>Removes the acked ids; unknown or already removed ones are not an error. The acked ids are remembered (at most <paramref name="maxItems"/>, newest kept).</summary>
    public static InboxChange Remove(InboxRecord? current, IReadOnlyCollection<string> ids, DateTimeOffset now, int maxItems)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (current is null)
        {
            return new InboxChange(null, Changed: false, 0, []);
        }

        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var removed = current.Items.Where(i => wanted.Contains(i.Id)).ToList();
        if (removed.Count == 0)
        {
            return new InboxChange(current, Changed: false, 0, []);
        }

        var items = Live(current.Items, now).Where(i => !wanted.Contains(i.Id)).ToList();
        var acked = Live(current.Acked, now).Concat(removed.Where(i => i.ExpiresAt > now).Select(i => new AckedId(i.Id, i.ExpiresAt))).ToList();
        if (acked.Count > maxItems)
        {
            acked.RemoveRange(0, acked.Count - maxItems);
        }

        var next = new InboxRecord(items, acked);
        return new InboxChange(next.IsEmpty ? null : next, Changed: true, removed.Count, []);
    }

    /// <summary>The items still pending at <paramref name="now"/>, oldest first.</summary>
    public static IReadOnlyList<InboxEntry> Pending(InboxRecord? current, DateTimeOffset now) =>
        current is null ? [] : Live(current.Items, now).ToList();

    /// <summary>How long the key must live: until its last item or acked id expires.</summary>
    public static TimeSpan Lifetime(InboxRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var last = record.Items.Select(i => i.ExpiresAt).Concat(record.Acked.Select(a => a.ExpiresAt)).DefaultIfEmpty(now).Max();
        return last > now ? last - now : TimeSpan.FromSeconds(1);
    }

    private static IEnumerable<InboxEntry> Live(IEnumerable<InboxEntry> items, DateTimeOffset now) => items.Where(i => i.ExpiresAt > now);

    private static IEnumerable<AckedId> Live(IEnumerable<AckedId> acked, DateTimeOffset now) => acked.Where(a => a.ExpiresAt > now);
}
