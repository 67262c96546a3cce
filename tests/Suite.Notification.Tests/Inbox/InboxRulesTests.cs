using Microsoft.Extensions.Time.Testing;
using Suite.Notification.Inbox;

namespace Suite.Notification.Tests.Inbox;

/// <summary>The inbox's rules on their own: order, cap, TTL, idempotent add, ack removal and no resurrection.</summary>
public sealed class InboxRulesTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));

    private InboxEntry Entry(string id, TimeSpan? ttl = null)
    {
        var now = _time.GetUtcNow();
        return new InboxEntry(id, "order_update", "{}", now, now + (ttl ?? TimeSpan.FromDays(7)));
    }

    private InboxRecord? Add(InboxRecord? record, InboxEntry entry, int max = 100) => InboxRules.Add(record, entry, _time.GetUtcNow(), max).Next;

    [Fact]
    public void Items_are_pending_in_the_order_they_were_accepted()
    {
        var record = Add(Add(Add(null, Entry("a")), Entry("b")), Entry("c"));

        Assert.Equal(["a", "b", "c"], InboxRules.Pending(record, _time.GetUtcNow()).Select(i => i.Id));
    }

    [Fact]
    public void Beyond_the_cap_the_oldest_items_are_dropped()
    {
        var record = Add(Add(null, Entry("a"), max: 2), Entry("b"), max: 2);

        var change = InboxRules.Add(record, Entry("c"), _time.GetUtcNow(), maxItems: 2);

        Assert.Equal(["a"], change.Dropped.Select(i => i.Id));
        Assert.Equal(["b", "c"], InboxRules.Pending(change.Next, _time.GetUtcNow()).Select(i => i.Id));
    }

    [Fact]
    public void A_repeated_id_changes_nothing()
    {
        var record = Add(Add(null, Entry("a")), Entry("b"));
        _time.Advance(TimeSpan.FromMinutes(1));

        var change = InboxRules.Add(record, Entry("a"), _time.GetUtcNow(), 100);

        Assert.False(change.Changed);
        Assert.Equal(["a", "b"], InboxRules.Pending(change.Next, _time.GetUtcNow()).Select(i => i.Id));
    }

    [Fact]
    public void An_item_expires_at_its_ttl_and_is_pruned_at_the_next_write()
    {
        var record = Add(Add(null, Entry("short", TimeSpan.FromSeconds(30))), Entry("long"));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(["short", "long"], InboxRules.Pending(record, _time.GetUtcNow()).Select(i => i.Id));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["long"], InboxRules.Pending(record, _time.GetUtcNow()).Select(i => i.Id));

        var next = Add(record, Entry("later"));
        Assert.Equal(["long", "later"], next!.Items.Select(i => i.Id));
    }

    [Fact]
    public void An_ack_removes_the_items_and_unknown_ids_are_not_an_error()
    {
        var record = Add(Add(Add(null, Entry("a")), Entry("b")), Entry("c"));

        var change = InboxRules.Remove(record, ["a", "c", "unknown"], _time.GetUtcNow(), 100);

        Assert.Equal(2, change.Removed);
        Assert.Equal(["b"], InboxRules.Pending(change.Next, _time.GetUtcNow()).Select(i => i.Id));
        var again = InboxRules.Remove(change.Next, ["a", "unknown"], _time.GetUtcNow(), 100);
        Assert.False(again.Changed);
        Assert.Equal(0, again.Removed);
        Assert.False(InboxRules.Remove(null, ["a"], _time.GetUtcNow(), 100).Changed);
    }

    [Fact]
    public void An_acked_id_does_not_come_back_while_its_item_would_have_lived()
    {
        var entry = Entry("a", TimeSpan.FromHours(1));
        var acked = InboxRules.Remove(Add(null, entry), ["a"], _time.GetUtcNow(), 100).Next;

        Assert.False(InboxRules.Add(acked, entry, _time.GetUtcNow(), 100).Changed);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.True(InboxRules.Add(acked, Entry("a"), _time.GetUtcNow(), 100).Changed);
    }

    [Fact]
    public void An_inbox_with_nothing_left_is_deleted_and_a_kept_one_lives_until_its_last_item_expires()
    {
        var record = Add(Add(null, Entry("a", TimeSpan.FromMinutes(5))), Entry("b", TimeSpan.FromMinutes(10)))!;
        Assert.Equal(TimeSpan.FromMinutes(10), InboxRules.Lifetime(record, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(InboxRules.Remove(record, ["b"], _time.GetUtcNow(), 100).Next);
    }
}
