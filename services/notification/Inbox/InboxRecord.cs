namespace Suite.Notification.Inbox;

/// <summary>One user's inbox, one state key: pending items in the order they were accepted, and recently acked ids.</summary>
public sealed record InboxRecord(IReadOnlyList<InboxEntry> Items, IReadOnlyList<AckedId> Acked)
{
    public static InboxRecord Empty { get; } = new([], []);

    public bool IsEmpty => Items.Count == 0 && Acked.Count == 0;
}
