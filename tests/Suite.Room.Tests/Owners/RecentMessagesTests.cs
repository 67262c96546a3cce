using System.Runtime.CompilerServices;
using Suite.Room.Messaging;
using Suite.Room.Owners;
using Suite.Room.State;

namespace Suite.Room.Tests.Owners;

public sealed class RecentMessagesTests
{
    [Theory]
    [InlineData("{\"text\":\"hi\"}", "alice")]
    [InlineData("{\"text\":\"Grüße, 你好 😀\"}", "zoë-😀")]
    [InlineData("", "")]
    public void A_message_comes_back_as_it_was_added(string content, string user)
    {
        var history = new RecentMessages(capacity: 4);
        var added = Message(seq: 3, content, user);
        history.Add(added);

        var found = history.Get(3);

        Assert.NotNull(found);
        Assert.Equivalent(added, found, strict: true);
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("msg-42")]
    public void An_id_not_in_the_rooms_own_form_and_a_stored_frame_come_back_exactly(string id)
    {
        var history = new RecentMessages(capacity: 4);
        history.Add(new StoredMessage { Id = id, Seq = 1, Timestamp = 5, UserId = "u", ContentJson = "{}", Json = "{\"type\":\"message\"}" });

        var found = history.Get(1)!;

        Assert.Equal(id, found.Id);
        Assert.Equal("{\"type\":\"message\"}", found.Json);
    }

    [Fact]
    public void Only_the_last_lap_of_seqs_is_kept()
    {
        var history = new RecentMessages(capacity: 4);
        for (ulong seq = 1; seq <= 6; seq++)
        {
            history.Add(Message(seq, $"{{\"n\":{seq}}}", "u"));
        }

        Assert.Null(history.Get(2));
        Assert.Null(history.Get(7));
        Assert.Null(history.Get(0));
        Assert.Equal("{\"n\":3}", history.Get(3)!.ContentJson);
        Assert.Equal("{\"n\":6}", history.Get(6)!.ContentJson);
    }

    [Fact]
    public void A_slot_that_held_a_large_message_returns_a_smaller_one_without_its_bytes()
    {
        var history = new RecentMessages(capacity: 1);
        history.Add(Message(1, "{\"text\":\"" + new string('x', 100_000) + "\"}", new string('u', 300)));
        history.Add(Message(2, "{\"a\":1}", "bob"));
        history.Add(Message(3, "{}", "al"));

        var found = history.Get(3)!;

        Assert.Equal("{}", found.ContentJson);
        Assert.Equal("al", found.UserId);
    }

    [Fact]
    public void Kept_messages_do_not_keep_their_objects_or_strings_alive()
    {
        var history = new RecentMessages(capacity: 4);
        var kept = AddUnreferenced(history);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.All(kept, reference => Assert.False(reference.TryGetTarget(out _)));
        Assert.Equal("{\"text\":\"kkkk\"}", history.Get(1)!.ContentJson);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<object>[] AddUnreferenced(RecentMessages history)
    {
        // Built at run time: a literal is interned and never collected.
        var message = Message(1, "{\"text\":\"" + new string('k', 4) + "\"}", new string('u', 20));
        history.Add(message);
        return [new(message), new(message.Id), new(message.UserId), new(message.ContentJson)];
    }

    private static StoredMessage Message(ulong seq, string content, string user) => new()
    {
        Id = MessageIds.New(),
        Seq = seq,
        Timestamp = 1_700_000_000_000 + (long)seq,
        UserId = user,
        ContentJson = content,
    };
}
