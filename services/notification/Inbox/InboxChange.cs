namespace Suite.Notification.Inbox;

/// <summary>What one inbox operation decided.</summary>
/// <param name="Next">The record to store; null = delete the key (nothing left).</param>
/// <param name="Changed">False = nothing to write.</param>
/// <param name="Removed">Items an ack removed.</param>
/// <param name="Dropped">Items an add pushed out over the cap, oldest first.</param>
public sealed record InboxChange(InboxRecord? Next, bool Changed, int Removed, IReadOnlyList<InboxEntry> Dropped);
